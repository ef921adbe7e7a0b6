import { parseTime } from '../../api/params.js';
import { InvalidInputError } from '../../model/errors.js';
import type { Nanos } from '../../model/span.js';

/** The time window of the services page and the map: a preset ending now, or a custom start/end. */

export const PRESETS = ['5m', '15m', '1h', '24h', 'all'] as const;
export type Preset = (typeof PRESETS)[number];

const PRESET_MS: Record<Exclude<Preset, 'all'>, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '24h': 86_400_000 };
const PRESET_LABEL: Record<Preset, string> = {
  '5m': 'Last 5 min',
  '15m': 'Last 15 min',
  '1h': 'Last hour',
  '24h': 'Last 24 h',
  all: 'All time',
};
const MS = 1_000_000n;

export interface PageWindow {
  preset: Preset | 'custom';
  /** Undefined for all time. */
  startNs?: Nanos;
  endNs: Nanos;
  /** The window's query parameters, to carry into links: `window=1h`, or `start=…&end=…` for a custom one. */
  params: Record<string, string>;
  /** start (and for a custom window, end) as epoch ms, for the search page's own time range. */
  searchParams: Record<string, string>;
}

export interface WindowQuery {
  window?: string;
  start?: string;
  end?: string;
}

export const windowQuerySchema = {
  type: 'object',
  properties: { window: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' } },
} as const;

/** `?window=` presets, or custom `start`/`end` (RFC 3339 or epoch ms; start defaults to an hour before end). */
export function parseWindow(q: WindowQuery, nowMs: number, dflt: Preset): PageWindow {
  const nowNs = BigInt(Math.floor(nowMs)) * MS;
  const hasStart = q.start !== undefined && q.start !== '';
  const hasEnd = q.end !== undefined && q.end !== '';
  if (hasStart || hasEnd) {
    const endNs = hasEnd ? parseTime(q.end!, 'end') : nowNs;
    const startNs = hasStart ? parseTime(q.start!, 'start') : endNs - 3_600_000n * MS;
    if (endNs < startNs) throw new InvalidInputError('end must not be before start', 'end');
    const params = { start: String(startNs / MS), end: String(endNs / MS) };
    return { preset: 'custom', startNs, endNs, params, searchParams: params };
  }
  const preset = q.window === undefined || q.window === '' ? dflt : q.window;
  if (!isPreset(preset)) {
    throw new InvalidInputError(`window must be one of ${PRESETS.join(', ')}, got "${preset}"`, 'window');
  }
  if (preset === 'all') return { preset, endNs: nowNs, params: { window: preset }, searchParams: {} };
  const startNs = nowNs - BigInt(PRESET_MS[preset]) * MS;
  return { preset, startNs, endNs: nowNs, params: { window: preset }, searchParams: { start: String(startNs / MS) } };
}

function isPreset(s: string): s is Preset {
  return (PRESETS as readonly string[]).includes(s);
}

export function presetLabel(p: Preset): string {
  return PRESET_LABEL[p];
}

/** A URL with query parameters; undefined and empty values are left out. */
export function href(path: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.append(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** The preset bar: one link per preset, the current one marked. */
export function presetLinks(path: string, current: PageWindow): Array<{ label: string; href: string; current: boolean }> {
  return PRESETS.map((p) => ({ label: PRESET_LABEL[p], href: href(path, { window: p }), current: current.preset === p }));
}

/** "Last hour", or the custom range as ISO UTC. */
export function windowLabel(w: PageWindow): string {
  if (w.preset !== 'custom') return PRESET_LABEL[w.preset];
  const iso = (ns: Nanos) => new Date(Number(ns / MS)).toISOString().replace('.000Z', 'Z');
  return `${iso(w.startNs!)} – ${iso(w.endNs)}`;
}
