import type { OperationSummary, ServiceSummary, TraceQuery, TraceSummary } from './query.js';
import type { Span, SpanRecord, TraceId } from './span.js';

/** One pipeline stage: resolves once the spans are durably handled (stored, or dropped by decision). */
export interface SpanSink {
  consume(spans: readonly SpanRecord[]): Promise<void>;
}

/** One transaction per call; idempotent on (traceId, spanId). */
export interface SpanWriter {
  writeSpans(spans: readonly SpanRecord[]): void;
}

/** Synchronous, like better-sqlite3 itself. */
export interface TraceReader {
  /** [] when the trace is unknown; the route makes that a 404. */
  getTrace(id: TraceId): Span[];
  findTraces(q: TraceQuery): TraceSummary[];
  services(): ServiceSummary[];
  operations(service: string): OperationSummary[];
}
