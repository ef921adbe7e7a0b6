import type { OperationSummary, TraceSummary } from '../model/query.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Span } from '../model/span.js';

/** JSON shapes of the REST API: times as strings of integer nanoseconds, durations as float ms. */

export function traceSummaryJson(t: TraceSummary) {
  return {
    traceId: t.traceId,
    rootService: t.rootService,
    rootName: t.rootName,
    startTimeUnixNano: String(t.startTimeUnixNano),
    durationMs: nsToMs(t.durationNs),
    spanCount: t.spanCount,
    errorCount: t.errorCount,
    services: t.services,
  };
}

export function operationJson(o: OperationSummary) {
  return {
    name: o.name,
    kind: SPAN_KIND_NAMES[o.kind] ?? 'unspecified',
    role: o.role,
    callee: o.callee,
    label: o.label,
    spanCount: o.spanCount,
    errorCount: o.errorCount,
    p50Ms: nsToMs(o.p50Ns),
    p95Ms: nsToMs(o.p95Ns),
    p99Ms: nsToMs(o.p99Ns),
  };
}

export function spanJson(s: Span) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: SPAN_KIND_NAMES[s.kind] ?? 'unspecified',
    service: s.service,
    startTimeUnixNano: String(s.startTimeUnixNano),
    endTimeUnixNano: String(s.endTimeUnixNano),
    durationMs: nsToMs(s.endTimeUnixNano - s.startTimeUnixNano),
    status: { code: STATUS_CODE_NAMES[s.statusCode] ?? 'unset', message: s.statusMessage },
    error: s.error,
    attributes: s.attributes,
    resource: s.resource.attributes,
    scope: { name: s.scope.name, version: s.scope.version },
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: String(e.timeUnixNano), attributes: e.attributes })),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    traceState: s.traceState,
    flags: s.flags,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
  };
}

/** Nanoseconds to float milliseconds: one correctly rounded division for any duration under 104 days. */
export function nsToMs(ns: bigint | number): number {
  if (typeof ns === 'number') return ns / 1e6;
  if (ns <= BigInt(Number.MAX_SAFE_INTEGER) && ns >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(ns) / 1e6;
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}
