/**
 * The rich error detail of an OTLP/gRPC answer (reference/protocol.md §2): a `google.rpc.Status` carried in the
 * `grpc-status-details-bin` trailer, which gRPC clients decode into their status details. Only UNAVAILABLE
 * carries one, with a `google.rpc.RetryInfo` saying when to try again, as the OTLP spec asks of a throttling server.
 *
 *   google.rpc.Status    { 1: code int32, 2: message string, 3: details repeated google.protobuf.Any }
 *   google.protobuf.Any  { 1: type_url string, 2: value bytes }
 *   google.rpc.RetryInfo { 1: retry_delay google.protobuf.Duration }
 *   google.protobuf.Duration { 1: seconds int64, 2: nanos int32 }
 */

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** google.rpc.Status{code, message, details: [Any{RetryInfo{retry_delay: retryAfterSeconds}}]}. */
export function statusWithRetryInfo(code: number, message: string, retryAfterSeconds: number): Buffer {
  const whole = Math.max(0, Math.floor(retryAfterSeconds));
  const nanos = Math.round((Math.max(0, retryAfterSeconds) - whole) * 1e9);
  const duration = Buffer.concat([varintField(1, whole), varintField(2, nanos)]);
  const retryInfo = lenField(1, duration);
  const any = Buffer.concat([lenField(1, Buffer.from(RETRY_INFO_TYPE_URL, 'utf8')), lenField(2, retryInfo)]);
  return Buffer.concat([varintField(1, code), lenField(2, Buffer.from(message, 'utf8')), lenField(3, any)]);
}

/** proto3 leaves a zero scalar out. */
function varintField(field: number, n: number): Buffer {
  return n === 0 ? EMPTY : Buffer.concat([varint((field << 3) | 0), varint(n)]);
}

/** A LEN field; an empty message or string is left out too, except inside a repeated field (Any is never empty). */
function lenField(field: number, bytes: Buffer): Buffer {
  return bytes.length === 0 ? EMPTY : Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

const EMPTY = Buffer.alloc(0);

/** A non-negative integer below 2^53 as a varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = Math.trunc(n);
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}
