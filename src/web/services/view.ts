import type { LatencyStats, OperationRole, ServiceStats } from '../../model/stats-ports.js';
import { LATENCY_BUCKET_BOUNDS_NS } from '../../model/stats-ports.js';
import { minuteWindow } from '../../query/window.js';
import { formatMs, hueStyle, plural } from '../format.js';
import { href, presetLinks, windowLabel, type PageWindow } from './window.js';

/** The services page's view model: finished strings, hrefs and bar heights; the template only prints them. */

export interface StatCells {
  requests: string;
  errors: string;
  errorRate: string;
  /** '' | 'some' | 'high': how loudly the error rate is shown. */
  errorClass: string;
  p50: string;
  p95: string;
  p99: string;
  /** One bar per log-scale bucket: height in % of the row's fullest bucket, and a hover text. */
  histogram: Array<{ height: number; title: string }>;
}

export interface OperationRow extends StatCells {
  label: string;
  kind: string;
  href: string;
}

/** The operations of one role under their heading: requests served, calls made, internal work. */
export interface OperationGroup {
  heading: string;
  /** What the count column means for these rows. */
  unit: string;
  rows: OperationRow[];
}

export interface ServiceRow extends StatCells {
  name: string;
  hue: string;
  href: string;
  /** "312 spans in 29 traces": the span count beside the requests, for the curious. */
  spans: string;
  groups: OperationGroup[];
}

export interface ServicesModel {
  windowLabel: string;
  /** "counted in whole minutes, 10:31–10:37 UTC" for a window; '' for all time. */
  minutesNote: string;
  presets: ReturnType<typeof presetLinks>;
  custom: { start: string; end: string; current: boolean };
  rows: ServiceRow[];
  totals: string;
  apiPath: string;
  bucketAxis: { from: string; to: string };
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const BUCKET_NAMES = [
  ...LATENCY_BUCKET_BOUNDS_NS.map((b) => `≤ ${formatMs(b / 1e6)}`),
  `> ${formatMs(LATENCY_BUCKET_BOUNDS_NS[LATENCY_BUCKET_BOUNDS_NS.length - 1] / 1e6)}`,
];

const GROUPS: Array<{ role: OperationRole; heading: string; unit: string }> = [
  { role: 'entry', heading: 'Requests served', unit: 'request' },
  { role: 'call', heading: 'Calls made', unit: 'call' },
  { role: 'internal', heading: 'Internal work (spans)', unit: 'span' },
];

/**
 * A service's figures are its requests (entry spans) and the failed ones; its operations are grouped by role,
 * calls named by whom they called ("GET → inventory"). Windows are whole minutes (the stats are kept per minute).
 */
export function servicesModel(services: ServiceStats[], w: PageWindow): ServicesModel {
  const rows = services.map((s): ServiceRow => ({
    name: s.name,
    hue: hueStyle(s.name),
    href: href('/', { service: s.name, ...w.searchParams }),
    spans: `${plural(s.spanCount, 'span')} in ${plural(s.traceCount, 'trace')}`,
    ...cells(s, 'request'),
    groups: GROUPS.map((g) => ({
      heading: g.heading,
      unit: g.unit,
      rows: s.operations
        .filter((o) => o.role === g.role)
        .map((o) => ({
          label: o.label,
          kind: KINDS[o.kind] ?? String(o.kind),
          href: href('/', { service: s.name, operation: o.name, ...w.searchParams }),
          ...cells(o, g.unit),
        })),
    })).filter((g) => g.rows.length > 0),
  }));
  const requests = services.reduce((n, s) => n + s.count, 0);
  return {
    windowLabel: windowLabel(w),
    minutesNote: minutesNote(w),
    presets: presetLinks('/services', w),
    custom: customFields(w),
    rows,
    totals: `${plural(rows.length, 'service')} · ${plural(requests, 'request')}`,
    apiPath: w.startNs === undefined ? '/api/stats' : `/api/stats?start=${w.startNs / 1_000_000n}&end=${w.endNs / 1_000_000n}`,
    bucketAxis: { from: BUCKET_NAMES[0], to: BUCKET_NAMES[BUCKET_NAMES.length - 1] },
  };
}

export function customFields(w: PageWindow): { start: string; end: string; current: boolean } {
  const iso = (ns: bigint | undefined) => (ns === undefined ? '' : new Date(Number(ns / 1_000_000n)).toISOString());
  return { start: w.preset === 'custom' ? iso(w.startNs) : '', end: w.preset === 'custom' ? iso(w.endNs) : '', current: w.preset === 'custom' };
}

function cells(s: LatencyStats, unit: string): StatCells {
  const rate = s.count === 0 ? 0 : s.errors / s.count;
  const max = Math.max(1, ...s.histogram);
  return {
    requests: s.count.toLocaleString('en'),
    errors: s.errors.toLocaleString('en'),
    errorRate: s.errors === 0 ? '–' : `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)} %`,
    errorClass: s.errors === 0 ? '' : rate >= 0.05 ? 'high' : 'some',
    p50: formatMs(s.p50Ns / 1e6),
    p95: formatMs(s.p95Ns / 1e6),
    p99: formatMs(s.p99Ns / 1e6),
    histogram: s.histogram.map((count, i) => ({
      // At least a sliver for any non-empty bucket, so a lone slow request is visible.
      height: count === 0 ? 0 : Math.max(8, Math.round((count / max) * 100)),
      title: `${BUCKET_NAMES[i]}: ${plural(count, unit)}`,
    })),
  };
}

/** The stats are kept per minute, so a window counts the whole minutes it touches: say which. */
function minutesNote(w: PageWindow): string {
  const m = minuteWindow(w);
  if (!m) return '';
  const hhmm = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().slice(11, 16);
  const day = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 10);
  const sameDay = day(m.startNs) === day(m.endNs - 1n);
  return `counted in whole minutes, ${sameDay ? '' : `${day(m.startNs)} `}${hhmm(m.startNs)}–${sameDay ? '' : `${day(m.endNs)} `}${hhmm(m.endNs)} UTC`;
}
