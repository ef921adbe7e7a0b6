import type { DecodedRequest, WriteBatch } from './encoded.js';
import type { OperationSummary, ServiceSummary, TraceQuery, TraceSearchResult } from './query.js';
import type { Span, TraceId } from './span.js';
import type { TraceWalk, TraceWalkRequest } from './trace-walk.js';
import type { IndexedTagValues, IndexedTags, SpansetSearch, SpansetSearchResult } from './traceql.js';
import type { TypedTrace } from './typed.js';

/** One pipeline stage: resolves once the request's spans are durably handled (stored, or dropped by decision). */
export interface SpanSink {
  consume(request: DecodedRequest): Promise<void>;
}

/**
 * The store's writer: resolves once the batch is committed (the reply to an exporter waits for this), rejects
 * when that commit failed. Idempotent on (traceId, spanId).
 */
export interface SpanWriter {
  write(batch: WriteBatch): Promise<void>;
  /** Commits what was accepted, then stops. */
  close(): Promise<void>;
}

/** Synchronous, like better-sqlite3 itself. */
export interface TraceReader {
  /** [] when the trace is unknown; the route makes that a 404. */
  getTrace(id: TraceId): Span[];
  /** The trace as it came in (every value's OTLP type kept), for exports; `undefined` when unknown. */
  getTraceTyped(id: TraceId): TypedTrace | undefined;
  findTraces(q: TraceQuery): TraceSearchResult;
  services(): ServiceSummary[];
  operations(service: string): OperationSummary[];
  /** TraceQL: traces with a span matching the spanset, newest first, with the matched spans (store/traceql.ts). */
  searchSpansets(q: SpansetSearch): SpansetSearchResult;
  /** The attribute keys the store indexes, by scope (Tempo's tag names). */
  indexedTags(): IndexedTags;
  /** A tag's values as indexed: services, span names, attribute index values; none for a key outside the index. */
  indexedTagValues(tag: { scope: 'resource' | 'span' | 'any' | 'intrinsic'; key: string }, limit: number): IndexedTagValues;
  /** The summaries of a window's stored traces, newest `limit` by start, for the sampling simulator (store/trace-walk.ts). */
  walkTraces(q: TraceWalkRequest): TraceWalk;
}
