import type { Attributes, Span, SpanEvent, SpanLink, TraceId } from '../model/span.js';
import { BIT_ERROR, CHUNK_VERSION } from './format.js';
import { Cursor } from './cursor.js';
import type { DimensionLookup, ResourceDimension, ScopeDimension, TypedKeyValue, TypedSpan } from './types.js';

/**
 * The full readers of a chunk: `readChunk` gives the read model's spans (model/span.ts), `readChunkTyped` the spans
 * with their OTLP value types, for exports. Both check every byte (cursor.ts) and throw ChunkFormatError on
 * anything that is not a well-formed version-1 chunk.
 */

/** A chunk's header, read: the cursor then stands at the first span. */
export interface ChunkHeader {
  dims: string[];
  base: bigint;
  spanCount: number;
}

export function readHeader(c: Cursor): ChunkHeader {
  const version = c.u8();
  if (version !== CHUNK_VERSION) c.fail(`unsupported chunk version ${version}`, 0);
  c.literals();
  const dimCount = c.count(8);
  const dims: string[] = [];
  for (let i = 0; i < dimCount; i++) dims.push(c.hex(8));
  const s = c.take(8);
  const base = c.b.readBigUInt64LE(s);
  // A span takes at least 29 bytes: its length, ID, and one byte for each of its 20 other fields.
  const spanCount = c.count(29);
  return { dims, base, spanCount };
}

/** One span of a chunk, its values read by `attrs` (read model or typed). */
interface Walked<A> {
  spanId: string;
  parentSpanId: string;
  flags: number;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  error: boolean;
  name: string;
  traceState: string;
  statusCode: number;
  statusMessage: string;
  resource: string;
  scope: string;
  callee: string;
  address: string;
  attributes: A;
  droppedAttributesCount: number;
  events: Array<{ timeUnixNano: bigint; name: string; attributes: A; droppedAttributesCount: number }>;
  droppedEventsCount: number;
  links: Array<{ traceId: string; spanId: string; traceState: string; attributes: A; droppedAttributesCount: number; flags: number }>;
  droppedLinksCount: number;
}

function walk<A>(data: Uint8Array, attrs: (c: Cursor) => A): Walked<A>[] {
  const c = new Cursor(data, 'chunk');
  const h = readHeader(c);
  const out: Walked<A>[] = [];
  const chunkEnd = c.end;
  for (let i = 0; i < h.spanCount; i++) {
    const len = c.u32();
    if (len > chunkEnd - c.p) c.fail(`span ${i} of length ${len} runs past the end`);
    c.end = c.p + len;
    const spanId = c.hex(8);
    const parentLen = c.u8();
    if (parentLen !== 0 && parentLen !== 8) c.fail(`parent ID of ${parentLen} bytes`, c.p - 1);
    const parentSpanId = parentLen === 0 ? '' : c.hex(8);
    const flags = c.u32();
    const kind = c.zz32();
    const start = h.base + BigInt(c.u64());
    const end = start + BigInt(c.u64());
    const bits = c.u32();
    const name = c.str();
    const traceState = c.str();
    const statusCode = c.zz32();
    const statusMessage = c.str();
    const resource = dim(c, h.dims);
    const scope = dim(c, h.dims);
    const callee = c.str();
    const address = c.str();
    const attributes = attrs(c);
    const droppedAttributesCount = c.u32();
    const events: Walked<A>['events'] = [];
    for (let n = c.count(4), j = 0; j < n; j++) {
      const timeUnixNano = start + c.zz64();
      events.push({ timeUnixNano, name: c.str(), attributes: attrs(c), droppedAttributesCount: c.u32() });
    }
    const droppedEventsCount = c.u32();
    const links: Walked<A>['links'] = [];
    for (let n = c.count(6), j = 0; j < n; j++) {
      const traceId = c.lenHex();
      const linkSpanId = c.lenHex();
      links.push({ traceId, spanId: linkSpanId, traceState: c.str(), attributes: attrs(c), droppedAttributesCount: c.u32(), flags: c.u32() });
    }
    const droppedLinksCount = c.u32();
    c.done(`span ${i}`);
    c.end = chunkEnd;
    out.push({
      spanId, parentSpanId, flags, kind, startTimeUnixNano: start, endTimeUnixNano: end, error: (bits & BIT_ERROR) !== 0,
      name, traceState, statusCode, statusMessage, resource, scope, callee, address, attributes, droppedAttributesCount,
      events, droppedEventsCount, links, droppedLinksCount,
    }); // prettier-ignore
  }
  c.done('the last span');
  return out;
}

function dim(c: Cursor, dims: string[]): string {
  const at = c.p;
  const i = c.u32();
  if (i >= dims.length) c.fail(`dimension ${i} of ${dims.length}`, at);
  return dims[i];
}

const readAttributes = (c: Cursor): Attributes => c.attributes();
const readTyped = (c: Cursor): TypedKeyValue[] => c.typedAttributes();

/**
 * The spans of a chunk in the read model: attributes as AttrValue (ints beyond ±(2^53−1) as decimal strings,
 * bytes as base64, NaN/±Infinity as strings), `service`, resource and scope from `dims` (every hash the chunk
 * references must be there: a missing one is an error, not an empty resource). Spans of one resource share its
 * `resource` object, and likewise for scopes.
 */
export function readChunk(data: Uint8Array, traceId: TraceId, dims: DimensionLookup): Span[] {
  const resources = new Map<string, { service: string; resource: Span['resource'] }>();
  const scopes = new Map<string, Span['scope']>();
  return walk(data, readAttributes).map((w): Span => {
    let r = resources.get(w.resource);
    if (r === undefined) {
      const d = lookup(dims, w.resource, 'resource') as ResourceDimension;
      r = { service: d.serviceName, resource: { attributes: d.attributes, droppedAttributesCount: d.droppedAttributesCount } };
      resources.set(w.resource, r);
    }
    let scope = scopes.get(w.scope);
    if (scope === undefined) {
      const d = lookup(dims, w.scope, 'scope') as ScopeDimension;
      scope = { name: d.name, version: d.version, attributes: d.attributes, droppedAttributesCount: d.droppedAttributesCount };
      scopes.set(w.scope, scope);
    }
    return {
      traceId,
      spanId: w.spanId,
      parentSpanId: w.parentSpanId,
      traceState: w.traceState,
      flags: w.flags,
      name: w.name,
      kind: w.kind,
      service: r.service,
      startTimeUnixNano: w.startTimeUnixNano,
      endTimeUnixNano: w.endTimeUnixNano,
      attributes: w.attributes,
      droppedAttributesCount: w.droppedAttributesCount,
      events: w.events as SpanEvent[],
      droppedEventsCount: w.droppedEventsCount,
      links: w.links as SpanLink[],
      droppedLinksCount: w.droppedLinksCount,
      statusCode: w.statusCode,
      statusMessage: w.statusMessage,
      error: w.error,
      resource: r.resource,
      scope,
    };
  });
}

function lookup(dims: DimensionLookup, hash: string, kind: 'resource' | 'scope') {
  const d = typeof dims === 'function' ? dims(hash) : dims.get(hash);
  if (d === undefined) throw new Error(`chunk references ${kind} ${hash}, which is not among the dimensions given`);
  if (d.kind !== kind) throw new Error(`chunk references ${hash} as a ${kind}, but it is a ${d.kind}`);
  return d;
}

/** The spans of a chunk with their OTLP types and what ingest decided; resource and scope as dimension hashes. */
export function readChunkTyped(data: Uint8Array, traceId: TraceId): TypedSpan[] {
  return walk(data, readTyped).map((w) => ({
    traceId,
    spanId: w.spanId,
    parentSpanId: w.parentSpanId,
    traceState: w.traceState,
    flags: w.flags,
    name: w.name,
    kind: w.kind,
    startTimeUnixNano: w.startTimeUnixNano,
    endTimeUnixNano: w.endTimeUnixNano,
    attributes: w.attributes,
    droppedAttributesCount: w.droppedAttributesCount,
    events: w.events,
    droppedEventsCount: w.droppedEventsCount,
    links: w.links,
    droppedLinksCount: w.droppedLinksCount,
    statusCode: w.statusCode,
    statusMessage: w.statusMessage,
    error: w.error,
    callee: w.callee,
    address: w.address,
    resource: w.resource,
    scope: w.scope,
  }));
}
