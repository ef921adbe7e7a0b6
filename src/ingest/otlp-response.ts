/**
 * OTLP/HTTP response bodies (reference/protocol.md §1.2): ExportTraceServiceResponse for 200s and
 * google.rpc.Status for errors, in protobuf or JSON to match the request.
 */

/**
 * ExportTraceServiceResponse. Full success is the empty message (partial_success unset); otherwise
 * field 1 ExportTracePartialSuccess { 1: rejected_spans int64, 2: error_message string }.
 */
export function exportResponseProtobuf(rejected: number, message: string): Buffer {
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const inner = Buffer.concat([rejected === 0 ? EMPTY : Buffer.concat([tag(1, 0), varint(rejected)]), stringField(2, message)]);
  return Buffer.concat([tag(1, 2), varint(inner.length), inner]);
}

/**
 * ExportTraceServiceResponse as proto3 JSON. rejectedSpans is an int64, so a decimal string: that is
 * what proto3 JSON (and the Collector's pdata marshaler) writes; the OTel JS exporter only JSON.parses
 * the body and logs it, and proto3 JSON readers accept a string or a number.
 */
export function exportResponseJson(rejected: number, message: string): string {
  if (rejected === 0 && message === '') return '{}';
  const parts: string[] = [];
  if (rejected !== 0) parts.push(`"rejectedSpans":"${Math.trunc(rejected)}"`);
  if (message !== '') parts.push(`"errorMessage":${JSON.stringify(message)}`);
  return `{"partialSuccess":{${parts.join(',')}}}`;
}

/** google.rpc.Status { 1: code int32, 2: message string }; `details` is never sent. */
export function statusProtobuf(code: number, message: string): Buffer {
  return Buffer.concat([code === 0 ? EMPTY : Buffer.concat([tag(1, 0), varint(code)]), stringField(2, message)]);
}

export function statusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

const EMPTY = Buffer.alloc(0);

function tag(field: number, wire: number): Buffer {
  return varint((field << 3) | wire);
}

function stringField(field: number, s: string): Buffer {
  if (s === '') return EMPTY;
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([tag(field, 2), varint(bytes.length), bytes]);
}

/** A varint for a non-negative integer, or a negative int32/int64 as its 10-byte two's complement. */
function varint(n: number): Buffer {
  let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
