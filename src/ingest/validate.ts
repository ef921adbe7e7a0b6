import { HTTP_STATUS_KEYS, isFailure } from '../model/failure.js';
import { isAllZeroHex } from '../model/ids.js';
import { textGetter, topLevelInt } from '../model/attr-text.js';
import { callEndsOf } from '../model/semconv.js';
import { StatusCode, type SpanRecord } from '../model/span.js';
import type { Rejections } from './decoded.js';

/**
 * Per-span checks shared by both decoders. An invalid span is dropped and counted (partial success);
 * it never fails the whole request. IDs arrive as lowercase hex of whatever length was sent.
 */
export function spanProblem(span: SpanRecord): string {
  const { traceId, spanId, parentSpanId } = span;
  if (traceId.length !== 32) return `span ${label(spanId)}: trace_id must be 16 bytes, got ${traceId.length / 2}`;
  if (isAllZeroHex(traceId)) return `span ${label(spanId)}: trace_id must not be all zero`;
  if (spanId.length !== 16) return `span ${label(spanId)}: span_id must be 8 bytes, got ${spanId.length / 2}`;
  if (isAllZeroHex(spanId)) return `span ${label(spanId)}: span_id must not be all zero`;
  if (parentSpanId.length !== 0 && parentSpanId.length !== 16) {
    return `span ${label(spanId)}: parent_span_id must be empty or 8 bytes, got ${parentSpanId.length / 2}`;
  }
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `span ${label(spanId)}: end_time_unix_nano ${span.endTimeUnixNano} is before start_time_unix_nano ${span.startTimeUnixNano}`;
  }
  return '';
}

/**
 * Keeps `span` in `out` if valid (normalising an all-zero parent to '' = root, and deciding once whether it
 * failed), else counts it.
 */
export function acceptSpan(span: SpanRecord, out: SpanRecord[], rejections: Rejections): void {
  const problem = spanProblem(span);
  if (problem !== '') {
    rejections.reject(problem);
    return;
  }
  if (span.parentSpanId.length !== 0 && isAllZeroHex(span.parentSpanId)) span.parentSpanId = '';
  span.error = recordFailed(span);
  deriveEnds(span);
  out.push(span);
}

/** model/failure.ts's rule on a decoded record; the HTTP status is read only when the status is UNSET. */
export function recordFailed(span: Pick<SpanRecord, 'kind' | 'statusCode' | 'attributes'>): boolean {
  if (span.statusCode !== StatusCode.UNSET) return isFailure(span.kind, span.statusCode, undefined);
  let http: number | undefined;
  for (const key of HTTP_STATUS_KEYS) {
    http = topLevelInt(span.attributes, key);
    if (http !== undefined) break;
  }
  return isFailure(span.kind, span.statusCode, http);
}

/** Whom an outgoing span called, and where an incoming span was reached: the ends of a call, for the stats. */
export function deriveEnds(span: SpanRecord): void {
  const ends = callEndsOf(span.kind, textGetter(span.attributes));
  span.callee = ends.callee;
  span.address = ends.address;
}

/** A span ID for a message: short enough to read, long enough to find. */
function label(spanId: string): string {
  if (spanId === '') return '(no span_id)';
  return spanId.length > 16 ? spanId.slice(0, 16) + '…' : spanId;
}
