import type { LatencyStats, ServiceStats } from '../../model/stats-ports.js';
import { LATENCY_BUCKET_BOUNDS_NS } from '../../model/stats-ports.js';
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
  name: string;
  kind: string;
  href: string;
}

export interface ServiceRow extends StatCells {
  name: string;
  hue: string;
  href: string;
  capped: boolean;
  operations: OperationRow[];
}

export interface ServicesModel {
  windowLabel: string;
  presets: ReturnType<typeof presetLinks>;
  custom: { start: string; end: string; current: boolean };
  rows: ServiceRow[];
  totals: string;
  cappedNote: string;
  apiPath: string;
  bucketAxis: { from: string; to: string };
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const BUCKET_NAMES = [
  ...LATENCY_BUCKET_BOUNDS_NS.map((b) => `≤ ${formatMs(b / 1e6)}`),
  `> ${formatMs(LATENCY_BUCKET_BOUNDS_NS[LATENCY_BUCKET_BOUNDS_NS.length - 1] / 1e6)}`,
];

/**
 * The store answers every window from its per-minute tables (migration 003), so no row is capped any more; the
 * model keeps its fields until the page is reworked for the new statistics.
 */
export function servicesModel(services: ServiceStats[], w: PageWindow): ServicesModel {
  const rows = services.map((s): ServiceRow => ({
    name: s.name,
    hue: hueStyle(s.name),
    href: href('/', { service: s.name, ...w.searchParams }),
    capped: false,
    ...cells(s),
    operations: s.operations.map((o) => ({
      name: o.name,
      kind: KINDS[o.kind] ?? String(o.kind),
      href: href('/', { service: s.name, operation: o.name, ...w.searchParams }),
      ...cells(o),
    })),
  }));
  const requests = services.reduce((n, s) => n + s.count, 0);
  return {
    windowLabel: windowLabel(w),
    presets: presetLinks('/services', w),
    custom: customFields(w),
    rows,
    totals: `${plural(rows.length, 'service')} · ${plural(requests, 'span')}`,
    cappedNote: '',
    apiPath: w.startNs === undefined ? '/api/stats' : `/api/stats?start=${w.startNs / 1_000_000n}&end=${w.endNs / 1_000_000n}`,
    bucketAxis: { from: BUCKET_NAMES[0], to: BUCKET_NAMES[BUCKET_NAMES.length - 1] },
  };
}

export function customFields(w: PageWindow): { start: string; end: string; current: boolean } {
  const iso = (ns: bigint | undefined) => (ns === undefined ? '' : new Date(Number(ns / 1_000_000n)).toISOString());
  return { start: w.preset === 'custom' ? iso(w.startNs) : '', end: w.preset === 'custom' ? iso(w.endNs) : '', current: w.preset === 'custom' };
}

function cells(s: LatencyStats): StatCells {
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
      title: `${BUCKET_NAMES[i]}: ${plural(count, 'span')}`,
    })),
  };
}
