import type { TypedEvent, TypedKeyValue, TypedLink, TypedResource, TypedScope, TypedSpan, TypedTrace, TypedValue } from '../model/typed.js';
import { groupTrace } from './otlp-group.js';

/**
 * A trace → protobuf `TracesData` bytes (opentelemetry-proto trace.proto; the same bytes as an
 * ExportTraceServiceRequest and as Tempo's `tempopb.Trace`), and Tempo's `TraceByIDResponse` around it. Our own
 * writer, not the OTel SDK's otlp-transformer serializer: that one takes SDK ReadableSpans, whose attributes are
 * JS values, so a double 1.0 would go out as an int and bytes as a string; here every value keeps the OTLP type
 * it came in with (reference §2.1): fixed64 times, fixed32 flags, IDs as bytes, a double as I64 (NaN and ±Infinity
 * included), a negative int as a 10-byte varint, bytes, arrays and kvlists, the dropped counts. Fields holding
 * their proto3 default are left out, as every protobuf encoder does, except inside AnyValue's oneof, where the
 * case chosen is the information (an int 0 or an empty string is still written).
 */

export function toOtlpProto(trace: TypedTrace): Uint8Array {
  const w = new ProtoWriter();
  for (const r of groupTrace(trace)) {
    w.message(1, () => {
      w.message(1, () => resource(w, r.resource));
      for (const sc of r.scopeSpans) {
        w.message(2, () => {
          w.message(1, () => scope(w, sc.scope));
          for (const s of sc.spans) w.message(2, () => span(w, s));
        });
      }
    });
  }
  return w.finish();
}

/** Tempo's PartialStatus: COMPLETE unless the trace was cut (we never cut one). */
export const TEMPO_STATUS = { COMPLETE: 0, PARTIAL: 1 } as const;

/** `tempopb.TraceByIDResponse { Trace trace = 1; TraceByIDMetrics metrics = 2; PartialStatus status = 3; string message = 4; }` */
export function toTraceByIdResponse(trace: TypedTrace, status: number = TEMPO_STATUS.COMPLETE, message = ''): Uint8Array {
  const inner = toOtlpProto(trace);
  const w = new ProtoWriter();
  w.bytes(1, inner, true);
  if (status !== 0) w.varint(3, status);
  if (message !== '') w.string(4, message);
  return w.finish();
}

function resource(w: ProtoWriter, r: TypedResource): void {
  keyValues(w, 1, r.attributes);
  if (r.droppedAttributesCount) w.varint(2, r.droppedAttributesCount);
}

function scope(w: ProtoWriter, s: TypedScope): void {
  if (s.name) w.string(1, s.name);
  if (s.version) w.string(2, s.version);
  keyValues(w, 3, s.attributes);
  if (s.droppedAttributesCount) w.varint(4, s.droppedAttributesCount);
}

function span(w: ProtoWriter, s: TypedSpan): void {
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  if (s.traceState) w.string(3, s.traceState);
  if (s.parentSpanId) w.hex(4, s.parentSpanId);
  if (s.name) w.string(5, s.name);
  if (s.kind) w.varint(6, s.kind);
  if (s.startTimeUnixNano) w.fixed64(7, s.startTimeUnixNano);
  if (s.endTimeUnixNano) w.fixed64(8, s.endTimeUnixNano);
  keyValues(w, 9, s.attributes);
  if (s.droppedAttributesCount) w.varint(10, s.droppedAttributesCount);
  for (const e of s.events) w.message(11, () => event(w, e));
  if (s.droppedEventsCount) w.varint(12, s.droppedEventsCount);
  for (const l of s.links) w.message(13, () => link(w, l));
  if (s.droppedLinksCount) w.varint(14, s.droppedLinksCount);
  // Always present, as the SDKs and the Collector write it: a decoder that models messages as nullable sees UNSET, not null.
  w.message(15, () => {
    if (s.statusMessage) w.string(2, s.statusMessage);
    if (s.statusCode) w.varint(3, s.statusCode);
  });
  if (s.flags) w.fixed32(16, s.flags);
}

function event(w: ProtoWriter, e: TypedEvent): void {
  if (e.timeUnixNano) w.fixed64(1, e.timeUnixNano);
  if (e.name) w.string(2, e.name);
  keyValues(w, 3, e.attributes);
  if (e.droppedAttributesCount) w.varint(4, e.droppedAttributesCount);
}

function link(w: ProtoWriter, l: TypedLink): void {
  w.hex(1, l.traceId);
  w.hex(2, l.spanId);
  if (l.traceState) w.string(3, l.traceState);
  keyValues(w, 4, l.attributes);
  if (l.droppedAttributesCount) w.varint(5, l.droppedAttributesCount);
  if (l.flags) w.fixed32(6, l.flags);
}

function keyValues(w: ProtoWriter, field: number, kvs: readonly TypedKeyValue[]): void {
  for (const kv of kvs) w.message(field, () => keyValue(w, kv));
}

function keyValue(w: ProtoWriter, kv: TypedKeyValue): void {
  if (kv.key) w.string(1, kv.key);
  w.message(2, () => anyValue(w, kv.value));
}

function anyValue(w: ProtoWriter, v: TypedValue): void {
  if ('stringValue' in v) w.string(1, v.stringValue, true);
  else if ('boolValue' in v) w.varint(2, v.boolValue ? 1 : 0);
  else if ('intValue' in v) w.varint(3, v.intValue);
  else if ('doubleValue' in v) w.double(4, v.doubleValue);
  else if ('arrayValue' in v) w.message(5, () => v.arrayValue.values.forEach((x) => w.message(1, () => anyValue(w, x))));
  else if ('kvlistValue' in v) w.message(6, () => keyValues(w, 1, v.kvlistValue.values));
  else if ('bytesValue' in v) w.bytes(7, v.bytesValue, true);
}

const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/**
 * A minimal protobuf writer: appends to one growing buffer; a nested message is written in place after a
 * reserved length, which is then filled in (lengths up to 2^28 in 4 bytes would waste space, so the body is
 * moved when its length varint needs fewer or more bytes than the one reserved).
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(1024);
  private pos = 0;

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  varint(field: number, value: number | bigint): void {
    this.tag(field, WIRE.VARINT);
    this.rawVarint(BigInt.asUintN(64, BigInt(value)));
  }

  fixed64(field: number, value: bigint): void {
    this.tag(field, WIRE.I64);
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, value), this.pos);
    this.pos += 8;
  }

  fixed32(field: number, value: number): void {
    this.tag(field, WIRE.I32);
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE.I64);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** Skipped when empty unless `always` (a oneof case). */
  string(field: number, value: string, always = false): void {
    if (!always && value === '') return;
    this.bytes(field, Buffer.from(value, 'utf8'), true);
  }

  /** Lowercase hex as its bytes (IDs); skipped when empty. */
  hex(field: number, value: string): void {
    if (value !== '') this.bytes(field, Buffer.from(value, 'hex'), true);
  }

  bytes(field: number, value: Uint8Array, always = false): void {
    if (!always && value.length === 0) return;
    this.tag(field, WIRE.LEN);
    this.rawVarint(BigInt(value.length));
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  message(field: number, body: () => void): void {
    this.tag(field, WIRE.LEN);
    const lenAt = this.pos;
    this.ensure(1);
    this.pos += 1; // one byte reserved: most messages are shorter than 128 bytes
    const start = this.pos;
    body();
    const len = this.pos - start;
    const size = varintSize(len);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copy(this.buf, start + size - 1, start, this.pos);
      this.pos += size - 1;
    }
    let at = lenAt;
    let v = len;
    while (v >= 0x80) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  private rawVarint(v: bigint): void {
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
