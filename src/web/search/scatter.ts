import type { TraceSummary } from '../../model/query.js';
import { formatMs, hueStyle, plural } from '../format.js';

/** The scatter plot of duration over start time, laid out in SVG user units; the template only prints it. */
export interface ScatterModel {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  dots: Array<{ cx: number; cy: number; r: number; cls: string; style: string; href: string; title: string }>;
  xTicks: Array<{ x: number; label: string; ms: number; withSeconds: boolean }>;
  yTicks: Array<{ y: number; label: string }>;
  /** What the colours and marks mean: each root service's colour, the error mark, the size. */
  legend: { services: Array<{ name: string; style: string }>; more: string; errors: boolean };
}

/** Services named in the legend; the rest are counted ("+3 more"), their dots still carry a tooltip. */
const LEGEND_SERVICES = 10;

const WIDTH = 1200;
const HEIGHT = 190;
const PLOT = { left: 64, top: 12, right: WIDTH - 16, bottom: HEIGHT - 26 };

/** Tick steps a reader can count in: 1 s … 1 day. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map(
  (s) => s * 1000,
);

export function scatterModel(traces: readonly TraceSummary[]): ScatterModel | null {
  if (traces.length === 0) return null;
  const starts = traces.map((t) => Number(t.startTimeUnixNano / 1_000_000n));
  const durations = traces.map((t) => Number(t.durationNs) / 1e6);
  let t0 = Math.min(...starts);
  let t1 = Math.max(...starts);
  // A single trace, or a burst within a second, still gets an axis a second wide around it.
  if (t1 - t0 < 1000) {
    const mid = (t0 + t1) / 2;
    t0 = mid - 500;
    t1 = mid + 500;
  }
  // Four or so gridlines, the top one just above the slowest trace.
  const yStep = niceCeil((Math.max(...durations) * 1.05) / 4);
  const yMax = Math.max(1, Math.ceil((Math.max(...durations) * 1.05) / yStep)) * yStep;
  const x = (ms: number) => PLOT.left + ((ms - t0) / (t1 - t0)) * (PLOT.right - PLOT.left);
  const y = (ms: number) => PLOT.bottom - (ms / yMax) * (PLOT.bottom - PLOT.top);
  const dots = traces.map((t, i) => ({
    cx: round(x(starts[i])),
    cy: round(y(durations[i])),
    // Area grows with span count, so a 400-span trace is visible without hiding its neighbours.
    r: round(Math.min(11, 3.5 + Math.sqrt(t.spanCount) * 0.9)),
    cls: t.errorCount > 0 ? 'dot error' : 'dot',
    style: hueStyle(t.rootService),
    href: `/trace/${t.traceId}`,
    title: `${t.rootService}: ${t.rootName} · ${formatMs(durations[i])} · ${plural(t.spanCount, 'span')}${
      t.errorCount > 0 ? ` · ${plural(t.errorCount, 'error')}` : ''
    } · ${new Date(starts[i]).toISOString()}`,
  }));
  return { width: WIDTH, height: HEIGHT, plot: PLOT, dots, xTicks: timeTicks(t0, t1, x), yTicks: durationTicks(yMax, yStep, y), legend: legendOf(traces) };
}

/** The root services by how many dots they have (most first), so the legend names the ones you see. */
function legendOf(traces: readonly TraceSummary[]): ScatterModel['legend'] {
  const counts = new Map<string, number>();
  for (const t of traces) counts.set(t.rootService, (counts.get(t.rootService) ?? 0) + 1);
  const names = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const more = names.length - LEGEND_SERVICES;
  return {
    services: names.slice(0, LEGEND_SERVICES).map((name) => ({ name, style: hueStyle(name) })),
    more: more > 0 ? `+${more} more` : '',
    errors: traces.some((t) => t.errorCount > 0),
  };
}

function timeTicks(t0: number, t1: number, x: (ms: number) => number): ScatterModel['xTicks'] {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= 7) ?? 86_400_000;
  const ticks: ScatterModel['xTicks'] = [];
  for (let ms = Math.ceil(t0 / step) * step; ms <= t1; ms += step) {
    const withSeconds = step < 60_000;
    ticks.push({ x: round(x(ms)), ms, withSeconds, label: utcClock(ms, withSeconds) });
  }
  return ticks;
}

/** "14:05" or "14:05:30" in UTC; public/search.js relabels the ticks in local time when that is chosen. */
export function utcClock(ms: number, withSeconds: boolean): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(11, withSeconds ? 19 : 16);
}

function durationTicks(yMax: number, step: number, y: (ms: number) => number): ScatterModel['yTicks'] {
  const ticks: ScatterModel['yTicks'] = [];
  for (let ms = 0; ms <= yMax + 1e-9; ms += step) ticks.push({ y: round(y(ms)), label: ms === 0 ? '0' : formatMs(ms) });
  return ticks;
}

/** The smallest 1, 2 or 5 × 10^k at or above `v`. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
