import type { Nanos } from '../../model/span.js';
import { parseWindow, PRESETS, type Preset, type TimeWindow, type WindowQuery, type WindowView } from '../../query/window.js';

/**
 * The time window of the services page and the map, as the pages show it: the rules and each view's default
 * are query/window.ts's (the same as the API behind the page); this adds labels and the parameters links carry.
 */

const PRESET_LABEL: Record<Preset, string> = {
  '5m': 'Last 5 min',
  '15m': 'Last 15 min',
  '1h': 'Last hour',
  '24h': 'Last 24 h',
  all: 'All time',
};
const MS = 1_000_000n;

export interface PageWindow extends TimeWindow {
  /** The window's query parameters, to carry into links: `window=1h`, or `start=…&end=…` for a custom one. */
  params: Record<string, string>;
  /** start (and for a custom window, end) as epoch ms, for the search page's own time range. */
  searchParams: Record<string, string>;
}

export type { WindowQuery };

export const windowQuerySchema = {
  type: 'object',
  properties: { window: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' } },
} as const;

/** `?window=` presets, or custom `start`/`end` (RFC 3339 or epoch ms), with the view's default window. */
export function pageWindow(q: WindowQuery, nowMs: number, view: WindowView): PageWindow {
  const w = parseWindow(q, nowMs, view);
  if (w.preset === 'custom') {
    const params = { start: String(w.startNs! / MS), end: String(w.endNs / MS) };
    return { ...w, params, searchParams: params };
  }
  const params = { window: w.preset };
  return { ...w, params, searchParams: w.startNs === undefined ? {} : { start: String(w.startNs / MS) } };
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
