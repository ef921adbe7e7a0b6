import { InvalidInputError } from '../model/errors.js';
import type { Nanos } from '../model/span.js';
import { NS_PER_MINUTE } from '../model/stats-ports.js';
import { parseTime } from './params.js';

/**
 * Time windows: the one set of rules for every view that reads "traces or spans starting between two times".
 *
 * - `start` and `end` are RFC 3339 or epoch milliseconds; empty means not given. Either one makes a custom
 *   window: a missing `end` is now, a missing `start` is the view's default length before `end`
 *   (from the beginning of time when that default is `all`). `end` before `start` is refused.
 * - Otherwise the window is a preset ending now (`window=` on the pages; the API takes absolute times only),
 *   and without one the view's default below.
 *
 * Each default belongs to the data, not to the route, so a page and the API behind its "API:" line agree:
 * `/services` and `/api/stats` default to all time (the maintained sketches answer it instantly, and it is never
 * empty while there is data); `/map` and `/api/dependencies` to the last hour (what calls what now: an edge
 * removed from the code leaves the map an hour later); the search and `/api/traces` put no bound on start.
 */

export const PRESETS = ['5m', '15m', '1h', '24h', 'all'] as const;
export type Preset = (typeof PRESETS)[number];

/** Length of each preset; `all` has none. */
export const PRESET_MS: Readonly<Record<Exclude<Preset, 'all'>, number>> = {
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
};

/** What a window selects: per-service statistics, the dependency graph, or a trace search. */
export type WindowView = 'stats' | 'dependencies' | 'search';

export const DEFAULT_WINDOW: Readonly<Record<WindowView, Preset>> = { stats: 'all', dependencies: '1h', search: 'all' };

export interface TimeWindow {
  /** The preset it came from, or `custom` for explicit start/end. */
  preset: Preset | 'custom';
  /** Undefined for all time. */
  startNs?: Nanos;
  endNs: Nanos;
}

export interface WindowQuery {
  window?: string;
  start?: string;
  end?: string;
}

const MS = 1_000_000n;

export function parseWindow(q: WindowQuery, nowMs: number, view: WindowView): TimeWindow {
  const nowNs = BigInt(Math.floor(nowMs)) * MS;
  const dflt = DEFAULT_WINDOW[view];
  const hasStart = q.start !== undefined && q.start !== '';
  const hasEnd = q.end !== undefined && q.end !== '';
  if (hasStart || hasEnd) {
    const endNs = hasEnd ? parseTime(q.end!, 'end') : nowNs;
    const startNs = hasStart ? parseTime(q.start!, 'start') : dflt === 'all' ? 0n : endNs - BigInt(PRESET_MS[dflt]) * MS;
    if (endNs < startNs) throw new InvalidInputError('end must not be before start', 'end');
    return { preset: 'custom', startNs, endNs };
  }
  const preset = q.window === undefined || q.window === '' ? dflt : q.window;
  if (!isPreset(preset)) {
    throw new InvalidInputError(`window must be one of ${PRESETS.join(', ')}, got "${preset}"`, 'window');
  }
  if (preset === 'all') return { preset, endNs: nowNs };
  return { preset, startNs: nowNs - BigInt(PRESET_MS[preset]) * MS, endNs: nowNs };
}

export function isPreset(s: string): s is Preset {
  return (PRESETS as readonly string[]).includes(s);
}

/** Stats are kept per minute: a window covers the whole minutes it touches, [first minute, end of last). */

export function minuteWindow(w: TimeWindow): { startNs: Nanos; endNs: Nanos } | undefined {
  if (w.startNs === undefined) return undefined;
  const first = w.startNs / NS_PER_MINUTE;
  const last = w.endNs / NS_PER_MINUTE;
  return { startNs: first * NS_PER_MINUTE, endNs: (last + 1n) * NS_PER_MINUTE };
}
