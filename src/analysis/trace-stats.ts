import type { SpanId } from '../model/span.js';
import { nsToMs } from './duration.js';
import { spanLabel } from './span-name.js';
import type { TraceAnalysis, TraceTree } from './types.js';

/**
 * Jaeger's "Trace Statistics" table, and more: per service and per (service, operation), how many spans, their
 * total, average, min and max duration, their self time, their time on the critical path and its share of the
 * trace, and how many failed. Self time and the critical path are the analysis's own numbers
 * (`analysis.selfTimeMs`, `analysis.criticalPath`), summed, so the table and GET /api/traces/{id}/analysis can
 * never disagree. A span counts for the service that sent it, as in Jaeger, under its operation (`spanLabel`, the one name of what a span does):
 * six CLIENT spans all named "GET" are "GET → pricing-api" and "GET → inventory", not one row.
 */

export interface StatsRow {
  service: string;
  /** spanLabel of the spans ("GET → pricing-api", "GET /items/{id}"); '' on a service's total row. */
  operation: string;
  /** The spans' own name ("GET"); '' on a service's total row. */
  spanName: string;
  count: number;
  totalMs: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  /** Sum of the spans' self times (analysis.selfTimeMs). */
  selfMs: number;
  /** Sum of the critical path's segments on these spans. */
  criticalMs: number;
  /** criticalMs / the trace's duration (0 for an empty trace). */
  criticalShare: number;
  errors: number;
}

export interface TraceStats {
  durationMs: number;
  /** One row per service, the sum of its operations; sorted by self time, largest first. */
  services: StatsRow[];
  /** One row per (service, operation), sorted by self time, largest first. */
  operations: StatsRow[];
  /**
   * Critical-path time on no span (the untraced gap of a trace with several roots); the rows' criticalMs plus
   * this add up to durationMs.
   */
  untracedCriticalMs: number;
}

export const STATS_SORT_KEYS = ['service', 'operation', 'count', 'totalMs', 'avgMs', 'minMs', 'maxMs', 'selfMs', 'criticalMs', 'errors'] as const;
export type StatsSortKey = (typeof STATS_SORT_KEYS)[number];

interface Acc {
  service: string;
  operation: string;
  spanName: string;
  count: number;
  totalNs: bigint;
  minNs: bigint;
  maxNs: bigint;
  selfMs: number;
  criticalMs: number;
  errors: number;
}

export function traceStats(tree: TraceTree, analysis: TraceAnalysis): TraceStats {
  const onPath = new Map<SpanId, number>();
  let untracedCriticalMs = 0;
  for (const seg of analysis.criticalPath) {
    if (seg.spanId === '') untracedCriticalMs += seg.ms;
    else onPath.set(seg.spanId, (onPath.get(seg.spanId) ?? 0) + seg.ms);
  }
  const ops = new Map<string, Acc>();
  const services = new Map<string, Acc>();
  for (const node of tree.nodes.values()) {
    const s = node.span;
    const ns = s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n;
    const self = analysis.selfTimeMs[s.spanId] ?? 0;
    const crit = onPath.get(s.spanId) ?? 0;
    const op = spanLabel(node);
    for (const [map, key, operation, spanName] of [
      [ops, `${s.service}\u0000${op}`, op, s.name],
      [services, s.service, '', ''],
    ] as const) {
      let a = map.get(key);
      if (!a) {
        a = { service: s.service, operation, spanName, count: 0, totalNs: 0n, minNs: ns, maxNs: ns, selfMs: 0, criticalMs: 0, errors: 0 };
        map.set(key, a);
      }
      a.count++;
      a.totalNs += ns;
      if (ns < a.minNs) a.minNs = ns;
      if (ns > a.maxNs) a.maxNs = ns;
      a.selfMs += self;
      a.criticalMs += crit;
      if (s.error) a.errors++;
    }
  }
  const row = (a: Acc): StatsRow => ({
    service: a.service,
    operation: a.operation,
    spanName: a.spanName,
    count: a.count,
    totalMs: nsToMs(a.totalNs),
    avgMs: nsToMs(a.totalNs) / a.count,
    minMs: nsToMs(a.minNs),
    maxMs: nsToMs(a.maxNs),
    selfMs: a.selfMs,
    criticalMs: a.criticalMs,
    criticalShare: analysis.durationMs > 0 ? a.criticalMs / analysis.durationMs : 0,
    errors: a.errors,
  });
  return {
    durationMs: analysis.durationMs,
    services: sortStats([...services.values()].map(row), 'selfMs', 'desc'),
    operations: sortStats([...ops.values()].map(row), 'selfMs', 'desc'),
    untracedCriticalMs,
  };
}


/** A copy sorted by one column; ties by service, then operation, so the order is stable across requests. */
export function sortStats(rows: readonly StatsRow[], key: StatsSortKey, dir: 'asc' | 'desc'): StatsRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: StatsRow, b: StatsRow) => cmp(a.service, b.service) || cmp(a.operation, b.operation);
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : cmp(String(va), String(vb));
    return sign * c || byName(a, b);
  });
}

/** Case-insensitive first ("cache" before "GET /x"), as a reader scans a column; then by code point. */
function cmp(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
