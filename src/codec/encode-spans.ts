import type { AttrValue, TraceId } from '../model/span.js';
import { decideSpan, failed, getter } from './decide.js';
import { RequestEncoder, SpanHead } from './encoder.js';
import { MAX_VALUE_DEPTH } from './format.js';
import type {
  AttributesInput, EncodedChunk, EncodedDimension, ResourceInput, ScopeInput, SpanInput, SpanWithDimensions, TypedValue,
} from './types.js';
import { callEndsOf } from '../model/semconv.js';

/**
 * Encoding spans that are already parsed (tests, migrations, other formats such as Zipkin, imports) into the
 * same chunks and dimensions ingest makes. Read-model attributes map to OTLP types as: integer numbers → INT
 * (safe integers; a larger whole number is a double), other numbers → DOUBLE, bigints → INT, strings, booleans,
 * null → empty, arrays, Uint8Arrays → BYTES, objects → KVLIST. Typed key/values (readChunkTyped's) are kept exactly.
 */

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const EVEN_HEX = /^(?:[0-9a-f]{2})*$/;
const TWO64 = 1n << 64n;

/** Spans of any traces, with their resources and scopes (deduplicated by content), as a decoded request has them. */
export function encodeSpans(spans: readonly SpanWithDimensions[]): { chunks: EncodedChunk[]; dimensions: EncodedDimension[] } {
  const enc = new RequestEncoder();
  enc.begin();
  const head = new SpanHead();
  const resources = new Map<object, EncodedDimension>();
  const scopes = new Map<object, EncodedDimension>();
  for (const s of spans) {
    let resource = resources.get(s.resource);
    if (resource === undefined) resources.set(s.resource, (resource = resourceOn(enc, s.resource)));
    let scope = scopes.get(s.scope);
    if (scope === undefined) scopes.set(s.scope, (scope = scopeOn(enc, s.scope)));
    spanOn(enc, head, enc.chunkFor(traceIdOf(s.traceId)), s, resource.hash, scope.hash);
  }
  return enc.finish();
}

/** Spans of one trace added one by one; `finish` gives the chunk. */
export class ChunkEncoder {
  private readonly enc = new RequestEncoder();
  private readonly head = new SpanHead();
  private readonly chunk: number;
  private finished = false;

  constructor(readonly traceId: TraceId) {
    this.enc.begin();
    this.chunk = this.enc.chunkFor(traceIdOf(traceId));
  }

  /** `resource` and `scope`: dimensions from encodeResource/encodeScope (or their hashes). */
  addSpan(span: SpanInput, resource: EncodedDimension | string, scope: EncodedDimension | string): void {
    if (this.finished) throw new Error('ChunkEncoder.addSpan after finish');
    if (span.traceId !== this.traceId) throw new TypeError(`span of trace ${span.traceId} added to the chunk of ${this.traceId}`);
    const hash = (d: EncodedDimension | string) => (typeof d === 'string' ? d : d.hash);
    spanOn(this.enc, this.head, this.chunk, span, hash(resource), hash(scope));
  }

  finish(): EncodedChunk {
    this.finished = true;
    return this.enc.finish().chunks[0];
  }
}

const dimEncoder = new RequestEncoder();

export function encodeResource(r: ResourceInput): EncodedDimension {
  dimEncoder.begin();
  return resourceOn(dimEncoder, r);
}

export function encodeScope(s: ScopeInput): EncodedDimension {
  dimEncoder.begin();
  return scopeOn(dimEncoder, s);
}

function resourceOn(enc: RequestEncoder, r: ResourceInput): EncodedDimension {
  enc.beginResource();
  attributes(enc, r.attributes, true);
  return enc.endResource(count(r.droppedAttributesCount));
}

function scopeOn(enc: RequestEncoder, s: ScopeInput): EncodedDimension {
  enc.beginScope(s.name ?? '', s.version ?? '');
  attributes(enc, s.attributes, false);
  return enc.endScope(count(s.droppedAttributesCount));
}

function spanOn(enc: RequestEncoder, head: SpanHead, chunk: number, s: SpanInput, resource: string, scope: string): void {
  if (!SPAN_ID.test(s.spanId)) throw new TypeError(`span ID must be 16 lowercase hex digits: ${JSON.stringify(s.spanId)}`);
  const parent = s.parentSpanId ?? '';
  if (parent !== '' && !SPAN_ID.test(parent)) throw new TypeError(`parent span ID must be '' or 16 lowercase hex digits: ${JSON.stringify(parent)}`);
  const start = nanos(s.startTimeUnixNano, 'startTimeUnixNano');
  const end = nanos(s.endTimeUnixNano, 'endTimeUnixNano');
  if (end < start) throw new RangeError(`span ${s.spanId}: end ${end} is before start ${start}`);
  enc.beginSpan(chunk, hi(start), lo(start));
  attributes(enc, s.attributes, true);
  enc.u32(count(s.droppedAttributesCount));
  const events = s.events ?? [];
  enc.u32(events.length);
  for (const e of events) {
    const t = nanos(e.timeUnixNano, 'event timeUnixNano');
    enc.eventJs(hi(t), lo(t), e.name);
    attributes(enc, e.attributes, false);
    enc.u32(count(e.droppedAttributesCount));
  }
  enc.u32(count(s.droppedEventsCount));
  const links = s.links ?? [];
  enc.u32(links.length);
  for (const l of links) {
    if (!EVEN_HEX.test(l.traceId) || !EVEN_HEX.test(l.spanId)) throw new TypeError(`link IDs must be lowercase hex: ${l.traceId} ${l.spanId}`);
    enc.linkJs(l.traceId, l.spanId, l.traceState ?? '');
    attributes(enc, l.attributes, false);
    enc.u32(count(l.droppedAttributesCount));
    enc.u32((l.flags ?? 0) >>> 0);
  }
  enc.u32(count(s.droppedLinksCount));
  head.spanId = s.spanId;
  head.parentSpanId = parent;
  head.flags = (s.flags ?? 0) >>> 0;
  head.kind = s.kind | 0;
  head.endHi = hi(end);
  head.endLo = lo(end);
  head.name = s.name;
  head.traceState = s.traceState ?? '';
  head.statusCode = (s.statusCode ?? 0) | 0;
  head.statusMessage = s.statusMessage ?? '';
  head.resource = resource;
  head.scope = scope;
  if (s.error === undefined && s.callee === undefined && s.address === undefined) decideSpan(enc, head);
  else {
    head.error = s.error ?? failed(enc, head);
    const ends = s.callee === undefined || s.address === undefined ? callEndsOf(head.kind, getter(enc)) : undefined;
    head.callee = s.callee ?? ends!.callee;
    head.address = s.address ?? ends!.address;
  }
  enc.endSpan(head);
}

function traceIdOf(id: string): string {
  if (!TRACE_ID.test(id)) throw new TypeError(`trace ID must be 32 lowercase hex digits: ${JSON.stringify(id)}`);
  return id;
}

function nanos(t: bigint, what: string): bigint {
  if (typeof t !== 'bigint' || t < 0n || t >= TWO64) throw new RangeError(`${what} must be a bigint in [0, 2^64): ${String(t)}`);
  return t;
}

const hi = (t: bigint): number => Number(t >> 32n);
const lo = (t: bigint): number => Number(t & 0xffffffffn);

function count(n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`a count must be a uint32: ${n}`);
  return n;
}

function attributes(enc: RequestEncoder, a: AttributesInput | undefined, track: boolean): void {
  if (a === undefined) {
    enc.attrs(0, track);
  } else if (Array.isArray(a)) {
    enc.attrs(a.length, track);
    for (const kv of a) {
      enc.keyJs(kv.key);
      typedValue(enc, kv.value, 0);
    }
  } else {
    const keys = Object.keys(a);
    enc.attrs(keys.length, track);
    for (const k of keys) {
      enc.keyJs(k);
      jsValue(enc, (a as Record<string, AttrValue>)[k], 0);
    }
  }
  enc.endAttrs();
}

function deeper(depth: number): number {
  if (depth >= MAX_VALUE_DEPTH) throw new RangeError(`attribute values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  return depth + 1;
}

function jsValue(enc: RequestEncoder, v: unknown, depth: number): void {
  if (v === null || v === undefined) enc.vEmpty();
  else if (typeof v === 'string') enc.vStrJs(v);
  else if (typeof v === 'boolean') enc.vBool(v);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) enc.vIntNum(v);
    else enc.vDouble(v);
  } else if (typeof v === 'bigint') enc.vIntBig(int64(v));
  else if (v instanceof Uint8Array) enc.vBytes(v, 0, v.length);
  else if (Array.isArray(v)) {
    const d = deeper(depth);
    enc.vArray(v.length);
    for (const x of v) jsValue(enc, x, d);
  } else if (typeof v === 'object') {
    const d = deeper(depth);
    const keys = Object.keys(v);
    enc.vKvlist(keys.length);
    for (const k of keys) {
      enc.keyJs(k);
      jsValue(enc, (v as Record<string, unknown>)[k], d);
    }
    enc.endKvlist();
  } else throw new TypeError(`cannot encode an attribute value of type ${typeof v}`);
}

function typedValue(enc: RequestEncoder, v: TypedValue, depth: number): void {
  if ('stringValue' in v) enc.vStrJs(v.stringValue);
  else if ('boolValue' in v) enc.vBool(v.boolValue);
  else if ('intValue' in v) {
    const i = v.intValue as bigint | number;
    if (typeof i === 'number') {
      if (!Number.isSafeInteger(i)) throw new RangeError(`intValue must be a safe integer or a bigint: ${i}`);
      enc.vIntNum(i);
    } else enc.vIntBig(int64(i));
  } else if ('doubleValue' in v) enc.vDouble(v.doubleValue);
  else if ('bytesValue' in v) enc.vBytes(v.bytesValue, 0, v.bytesValue.length);
  else if ('arrayValue' in v) {
    const d = deeper(depth);
    enc.vArray(v.arrayValue.values.length);
    for (const x of v.arrayValue.values) typedValue(enc, x, d);
  } else if ('kvlistValue' in v) {
    const d = deeper(depth);
    enc.vKvlist(v.kvlistValue.values.length);
    for (const kv of v.kvlistValue.values) {
      enc.keyJs(kv.key);
      typedValue(enc, kv.value, d);
    }
    enc.endKvlist();
  } else enc.vEmpty();
}

function int64(v: bigint): bigint {
  if (v < -(1n << 63n) || v >= 1n << 63n) throw new RangeError(`intValue beyond int64: ${v}`);
  return v;
}
