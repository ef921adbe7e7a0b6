import type { SpanRecord } from '../model/span.js';
import { MinuteAggregates } from './minute-stats.js';

/**
 * Per-batch aggregates of the spans a write actually inserted, so the summaries are upserted once per touched
 * trace, service and operation rather than once per span. Pure: the writer feeds rows in and flushes these out.
 */

/** The span that names a trace: the root (parent_span_id ''), else the earliest span seen so far. */
export interface RootCandidate {
  service: string;
  name: string;
  startNs: bigint;
  hasRoot: boolean;
}

export interface TraceAgg {
  startNs: bigint;
  endNs: bigint;
  spanCount: number;
  errorCount: number;
  services: Set<string>;
  root: RootCandidate;
}

/** A stored trace summary, in the writer's terms. */
export interface TraceSummaryState {
  startNs: bigint;
  endNs: bigint;
  spanCount: number;
  errorCount: number;
  root: RootCandidate;
  /** Sorted. */
  services: string[];
}

/** Span duration in ns; a span ending before it starts (clock skew) counts as 0. */
export function spanDuration(rec: SpanRecord): bigint {
  const d = rec.endTimeUnixNano - rec.startTimeUnixNano;
  return d > 0n ? d : 0n;
}

/** True when `a` should name the trace instead of `b`: a root beats a non-root, then the earlier start wins. */
export function betterRoot(a: RootCandidate, b: RootCandidate): boolean {
  if (a.hasRoot !== b.hasRoot) return a.hasRoot;
  return a.startNs < b.startNs;
}

export class BatchAggregates {
  readonly traces = new Map<string, TraceAgg>();
  readonly minutes = new MinuteAggregates();

  add(rec: SpanRecord, durationNs: bigint): void {
    const service = rec.resource.serviceName;
    this.addTrace(rec, service, rec.error ? 1 : 0);
    this.minutes.addSpan({
      service,
      name: rec.name,
      kind: rec.kind,
      parentSpanId: rec.parentSpanId,
      error: rec.error,
      startNs: rec.startTimeUnixNano,
      durationNs,
      callee: rec.callee,
      address: rec.address,
    });
  }

  private addTrace(rec: SpanRecord, service: string, error: number): void {
    const start = rec.startTimeUnixNano;
    const end = rec.endTimeUnixNano > start ? rec.endTimeUnixNano : start;
    const hasRoot = rec.parentSpanId === '';
    const t = this.traces.get(rec.traceId);
    if (!t) {
      const root = { service, name: rec.name, startNs: start, hasRoot };
      this.traces.set(rec.traceId, { startNs: start, endNs: end, spanCount: 1, errorCount: error, services: new Set([service]), root });
      return;
    }
    if (start < t.startNs) t.startNs = start;
    if (end > t.endNs) t.endNs = end;
    t.spanCount++;
    t.errorCount += error;
    t.services.add(service);
    if (hasRoot !== t.root.hasRoot ? hasRoot : start < t.root.startNs) {
      t.root = { service, name: rec.name, startNs: start, hasRoot };
    }
  }
}

export interface TraceMerge {
  merged: TraceSummaryState;
  /** Services this batch added to the trace (need trace_services rows). */
  newServices: string[];
  /** Start or duration moved, so the trace's existing trace_services rows need the new values. */
  timingChanged: boolean;
}

/** Folds one batch's aggregate for a trace into its stored summary (undefined when the trace is new). */
export function mergeTrace(stored: TraceSummaryState | undefined, agg: TraceAgg): TraceMerge {
  if (!stored) {
    const services = [...agg.services].sort();
    const merged = { startNs: agg.startNs, endNs: agg.endNs, spanCount: agg.spanCount, errorCount: agg.errorCount, root: agg.root, services };
    return { merged, newServices: services, timingChanged: false };
  }
  const startNs = agg.startNs < stored.startNs ? agg.startNs : stored.startNs;
  const endNs = agg.endNs > stored.endNs ? agg.endNs : stored.endNs;
  const known = new Set(stored.services);
  const newServices = [...agg.services].filter((s) => !known.has(s)).sort();
  const services = newServices.length === 0 ? stored.services : [...stored.services, ...newServices].sort();
  const merged: TraceSummaryState = {
    startNs,
    endNs,
    spanCount: stored.spanCount + agg.spanCount,
    errorCount: stored.errorCount + agg.errorCount,
    root: betterRoot(agg.root, stored.root) ? agg.root : stored.root,
    services,
  };
  const timingChanged = startNs !== stored.startNs || endNs - startNs !== stored.endNs - stored.startNs;
  return { merged, newServices, timingChanged };
}
