import type { SpanHead } from '../codec/encoder.js';
import type { SpanMeta } from '../codec/types.js';
import { isAllZeroHex } from '../model/ids.js';

/**
 * Per-span checks and decisions shared by both decoders. An invalid span is dropped and counted (partial
 * success); it never fails the whole request. IDs arrive as lowercase hex of whatever length was sent.
 */
export function spanProblem(traceId: string, spanId: string, parentSpanId: string, start: bigint, end: bigint): string {
  if (traceId.length !== 32) return `span ${label(spanId)}: trace_id must be 16 bytes, got ${traceId.length / 2}`;
  if (isAllZeroHex(traceId)) return `span ${label(spanId)}: trace_id must not be all zero`;
  if (spanId.length !== 16) return `span ${label(spanId)}: span_id must be 8 bytes, got ${spanId.length / 2}`;
  if (isAllZeroHex(spanId)) return `span ${label(spanId)}: span_id must not be all zero`;
  if (parentSpanId.length !== 0 && parentSpanId.length !== 16) {
    return `span ${label(spanId)}: parent_span_id must be empty or 8 bytes, got ${parentSpanId.length / 2}`;
  }
  if (end < start) return `span ${label(spanId)}: end_time_unix_nano ${end} is before start_time_unix_nano ${start}`;
  if (end > MAX_TIME) return `span ${label(spanId)}: end_time_unix_nano ${end} is beyond 2^63-1 (the year 2262), the latest time tracelite stores`;
  return '';
}

/**
 * Times are kept as SQLite's signed 64-bit INTEGER: a span ending after 2^63−1 ns (the year 2262) is rejected
 * (its start is before its end, so it fits too). MAX_TIME_HI is the bound on the upper 32 bits the decoders read.
 */
export const MAX_TIME = 2n ** 63n - 1n;
export const MAX_TIME_HI = 0x80000000;

/** A span ID for a message: short enough to read, long enough to find. */
function label(spanId: string): string {
  if (spanId === '') return '(no span_id)';
  return spanId.length > 16 ? spanId.slice(0, 16) + '…' : spanId;
}

/** An all-zero parent is a root, like no parent at all. */
export function normalParent(parentSpanId: string): string {
  return parentSpanId.length !== 0 && isAllZeroHex(parentSpanId) ? '' : parentSpanId;
}

export { decideSpan } from '../codec/decide.js';

/** The SpanMeta of a span whose head is complete. */
export function spanMeta(traceId: string, head: SpanHead, start: bigint, end: bigint, service: string, chunk: number): SpanMeta {
  return {
    traceId,
    spanId: head.spanId,
    parentSpanId: head.parentSpanId,
    name: head.name,
    kind: head.kind,
    service,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    statusCode: head.statusCode,
    flags: head.flags,
    error: head.error,
    callee: head.callee,
    address: head.address,
    chunk,
  };
}
