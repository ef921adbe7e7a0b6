import { RequestEncoder, SpanHead } from '../codec/encoder.js';
import { hexOf } from '../codec/varint.js';
import type { DecodedRequest, EncodedDimension, SpanMeta } from '../codec/types.js';
import { Rejections } from './decoded.js';
import { ProtoReader, Ranges, u32le } from './proto-reader.js';
import { keyValue, resetValues } from './proto-values.js';
import { decideSpan, MAX_TIME_HI, spanMeta, spanProblem } from './validate.js';

/**
 * ExportTraceServiceRequest (protobuf) -> SpanMetas and chunks, straight from the bytes: a schema-specific
 * walker over the field table of reference/protocol.md §2.1. Tags are matched as whole varints (field << 3 |
 * wire type), so a known field sent with another wire type is skipped like an unknown one. Each message is
 * walked once to find its fields (proto3: the last scalar wins, repeated fields append), then encoded in the
 * chunk format's order; attribute keys and values go from the request's bytes to the chunk without becoming
 * JS strings (codec/encoder.ts). String and bytes values longer than `maxAttributeLength` bytes (0 = no limit) are
 * cut and marked (codec/format.ts TRUNCATED_KEY).
 */
export function decodeProtobufRequest(buf: Buffer, maxAttributeLength = 0): DecodedRequest {
  resetValues();
  enc.begin(buf, maxAttributeLength);
  const c: Ctx = { r: new ProtoReader(buf), out: [], rej: new Rejections() };
  const r = c.r;
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.tag(end, 'ExportTraceServiceRequest');
    if (tag === 0x0a) {
      const e = r.lenEnd(end, 'ExportTraceServiceRequest.resource_spans');
      resourceSpans(c, e);
      r.pos = e;
    } else r.skip(tag, end, 'ExportTraceServiceRequest');
  }
  return c.rej.result(c.out, enc.finish());
}

interface Ctx {
  r: ProtoReader;
  out: SpanMeta[];
  rej: Rejections;
}

/** Decoding is synchronous, so one encoder and one set of scratch lists serve every request. */
const enc = new RequestEncoder();
const head = new SpanHead();
const resources = new Ranges();
const scopeSpanList = new Ranges();
const scopes = new Ranges();
const spans = new Ranges();
const attrs = new Ranges();
const events = new Ranges();
const links = new Ranges();

/** Legacy `instrumentation_library_spans` (field 1000, wire type 2), same shape as ScopeSpans. */
const TAG_LEGACY_SCOPE_SPANS = (1000 << 3) | 2;

function resourceSpans(c: Ctx, end: number): void {
  const r = c.r;
  resources.clear();
  scopeSpanList.clear();
  while (r.pos < end) {
    const tag = r.tag(end, 'ResourceSpans');
    if (tag === 0x12 || tag === TAG_LEGACY_SCOPE_SPANS) scopeSpanList.take(r, end, 'ResourceSpans.scope_spans');
    else if (tag === 0x0a) resources.take(r, end, 'ResourceSpans.resource');
    else r.skip(tag, end, 'ResourceSpans');
  }
  // The resource may follow the spans that share it: encode it first (all its messages merged, proto3).
  let count = 0;
  let dropped = 0;
  for (let i = 0; i < resources.n; i++) {
    const e = resources.at(r, i);
    while (r.pos < e) {
      const tag = r.tag(e, 'Resource');
      if (tag === 0x0a) {
        r.pos = r.lenEnd(e, 'Resource.attributes');
        count++;
      } else if (tag === 0x10) dropped = r.varint(e, 'Resource.dropped_attributes_count');
      else r.skip(tag, e, 'Resource');
    }
  }
  enc.beginResource();
  enc.attrs(count, true);
  for (let i = 0; i < resources.n; i++) eachField(r, resources.at(r, i), 0x0a, 'Resource.attributes');
  enc.endAttrs();
  const resource = enc.endResource(dropped);
  for (let i = 0; i < scopeSpanList.n; i++) scopeSpans(c, scopeSpanList.at(r, i), resource);
}

/** Encodes every KeyValue field `tag` of the message at [r.pos, end) (already walked once, so valid). */
function eachField(r: ProtoReader, end: number, tag: number, what: string): void {
  while (r.pos < end) {
    const t = r.tag(end, what);
    if (t === tag) {
      const e = r.lenEnd(end, what);
      keyValue(r, e, enc);
      r.pos = e;
    } else r.skip(t, end, what);
  }
}

function scopeSpans(c: Ctx, end: number, resource: EncodedDimension): void {
  const r = c.r;
  scopes.clear();
  spans.clear();
  while (r.pos < end) {
    const tag = r.tag(end, 'ScopeSpans');
    if (tag === 0x12) spans.take(r, end, 'ScopeSpans.spans');
    else if (tag === 0x0a) scopes.take(r, end, 'ScopeSpans.scope');
    else r.skip(tag, end, 'ScopeSpans');
  }
  let name = '';
  let version = '';
  let count = 0;
  let dropped = 0;
  for (let i = 0; i < scopes.n; i++) {
    const e = scopes.at(r, i);
    while (r.pos < e) {
      const tag = r.tag(e, 'InstrumentationScope');
      if (tag === 0x0a) name = r.string(e, 'InstrumentationScope.name');
      else if (tag === 0x12) version = r.string(e, 'InstrumentationScope.version');
      else if (tag === 0x1a) {
        r.pos = r.lenEnd(e, 'InstrumentationScope.attributes');
        count++;
      } else if (tag === 0x20) dropped = r.varint(e, 'InstrumentationScope.dropped_attributes_count');
      else r.skip(tag, e, 'InstrumentationScope');
    }
  }
  enc.beginScope(name, version);
  enc.attrs(count, false);
  for (let i = 0; i < scopes.n; i++) eachField(r, scopes.at(r, i), 0x1a, 'InstrumentationScope.attributes');
  enc.endAttrs();
  const scope = enc.endScope(dropped);
  for (let i = 0; i < spans.n; i++) span(c, spans.at(r, i), resource, scope);
}

/** Status is decoded into these, so a span needs no object for it (and repeats merge, as in proto3). */
let statusCode = 0;
let messageS = 0;
let messageE = 0;

function span(c: Ctx, end: number, resource: EncodedDimension, scope: EncodedDimension): void {
  const r = c.r;
  const buf = r.buf;
  let tidS = 0, tidE = 0, sidS = 0, sidE = 0, pidS = 0, pidE = 0, tsS = 0, tsE = 0, nameS = 0, nameE = 0; // prettier-ignore
  let kind = 0, flags = 0, startAt = -1, startLo = 0, startHi = 0, endAt = -1, endLo = 0, endHi = 0; // prettier-ignore
  let droppedAttributes = 0, droppedEvents = 0, droppedLinks = 0; // prettier-ignore
  statusCode = 0;
  messageS = messageE = 0;
  attrs.clear();
  events.clear();
  links.clear();
  while (r.pos < end) {
    const tag = r.tag(end, 'Span');
    switch (tag) {
      case 0x0a: tidE = r.lenEnd(end, 'Span.trace_id'); tidS = r.pos; r.pos = tidE; break;
      case 0x12: sidE = r.lenEnd(end, 'Span.span_id'); sidS = r.pos; r.pos = sidE; break;
      case 0x1a: tsE = r.lenEnd(end, 'Span.trace_state'); tsS = r.pos; r.pos = tsE; break;
      case 0x22: pidE = r.lenEnd(end, 'Span.parent_span_id'); pidS = r.pos; r.pos = pidE; break;
      case 0x2a: nameE = r.lenEnd(end, 'Span.name'); nameS = r.pos; r.pos = nameE; break;
      case 0x30: kind = r.varint(end, 'Span.kind') | 0; break;
      case 0x39: startAt = r.fixed(8, end, 'Span.start_time_unix_nano'); startLo = u32le(buf, startAt); startHi = u32le(buf, startAt + 4); break;
      case 0x41: endAt = r.fixed(8, end, 'Span.end_time_unix_nano'); endLo = u32le(buf, endAt); endHi = u32le(buf, endAt + 4); break;
      case 0x4a: attrs.take(r, end, 'Span.attributes'); break;
      case 0x50: droppedAttributes = r.varint(end, 'Span.dropped_attributes_count'); break;
      case 0x5a: events.take(r, end, 'Span.events'); break;
      case 0x60: droppedEvents = r.varint(end, 'Span.dropped_events_count'); break;
      case 0x6a: links.take(r, end, 'Span.links'); break;
      case 0x70: droppedLinks = r.varint(end, 'Span.dropped_links_count'); break;
      case 0x7a: status(r, r.lenEnd(end, 'Span.status')); break;
      case 0x85: flags = r.fixed32(end, 'Span.flags'); break;
      default: r.skip(tag, end, 'Span');
    } // prettier-ignore
  }
  const spanId = hexOf(buf, sidS, sidE);
  const parentSpanId = pidE === pidS ? '' : hexOf(buf, pidS, pidE);
  const valid =
    tidE - tidS === 16 && !allZero(buf, tidS, tidE) && sidE - sidS === 8 && !allZero(buf, sidS, sidE) &&
    (pidE - pidS === 0 || pidE - pidS === 8) && (endHi > startHi || (endHi === startHi && endLo >= startLo)) && endHi < MAX_TIME_HI;
  const start = startAt < 0 ? 0n : buf.readBigUInt64LE(startAt);
  const stop = endAt < 0 ? 0n : buf.readBigUInt64LE(endAt);
  if (!valid) c.rej.reject(spanProblem(hexOf(buf, tidS, tidE), spanId, parentSpanId, start, stop));
  // A rejected span is still walked through, so that malformed fields fail the request as they always have.
  const chunk = valid ? enc.chunkAt(tidS) : -1;
  enc.beginSpan(chunk, startHi, startLo);
  enc.attrs(attrs.n, true);
  for (let i = 0; i < attrs.n; i++) {
    const e = attrs.at(r, i);
    keyValue(r, e, enc);
  }
  enc.endAttrs();
  enc.u32(droppedAttributes);
  enc.u32(events.n);
  for (let i = 0; i < events.n; i++) event(r, events.at(r, i));
  enc.u32(droppedEvents);
  enc.u32(links.n);
  for (let i = 0; i < links.n; i++) link(r, links.at(r, i));
  enc.u32(droppedLinks);
  head.spanId = spanId;
  head.spanIdAt = sidS;
  // An all-zero parent is a root, like no parent at all.
  head.parentSpanId = pidE - pidS === 8 && allZero(buf, pidS, pidE) ? '' : parentSpanId;
  head.parentAt = pidS;
  head.nameAt = nameS;
  head.nameEnd = nameE;
  head.flags = flags;
  head.kind = kind;
  head.endHi = endHi;
  head.endLo = endLo;
  head.name = buf.toString('utf8', nameS, nameE);
  head.traceState = tsE === tsS ? '' : buf.toString('utf8', tsS, tsE);
  head.statusCode = statusCode;
  head.statusMessage = messageE === messageS ? '' : buf.toString('utf8', messageS, messageE);
  head.resource = resource.hash;
  head.scope = scope.hash;
  if (valid) decideSpan(enc, head);
  enc.endSpan(head);
  r.pos = end;
  if (valid) c.out.push(spanMeta(enc.traceIdOf(chunk), head, start, stop, resource.serviceName, chunk));
}

function allZero(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== 0) return false;
  return true;
}

function status(r: ProtoReader, end: number): void {
  while (r.pos < end) {
    const tag = r.tag(end, 'Status');
    if (tag === 0x12) {
      messageE = r.lenEnd(end, 'Status.message');
      messageS = r.pos;
      r.pos = messageE;
    } else if (tag === 0x18) statusCode = r.varint(end, 'Status.code') | 0;
    else r.skip(tag, end, 'Status');
  }
}

function event(r: ProtoReader, end: number): void {
  const start = r.pos;
  const buf = r.buf;
  let timeLo = 0, timeHi = 0, nameS = 0, nameE = 0, dropped = 0, count = 0; // prettier-ignore
  while (r.pos < end) {
    const tag = r.tag(end, 'Event');
    if (tag === 0x1a) {
      r.pos = r.lenEnd(end, 'Event.attributes');
      count++;
    } else if (tag === 0x09) {
      const p = r.fixed(8, end, 'Event.time_unix_nano');
      timeLo = u32le(buf, p);
      timeHi = u32le(buf, p + 4);
    } else if (tag === 0x12) {
      nameE = r.lenEnd(end, 'Event.name');
      nameS = r.pos;
      r.pos = nameE;
    } else if (tag === 0x20) dropped = r.varint(end, 'Event.dropped_attributes_count');
    else r.skip(tag, end, 'Event');
  }
  enc.eventIn(timeHi, timeLo, nameS, nameE);
  enc.attrs(count, false);
  r.pos = start;
  eachField(r, end, 0x1a, 'Event.attributes');
  enc.endAttrs();
  enc.u32(dropped);
}

function link(r: ProtoReader, end: number): void {
  const start = r.pos;
  let tidS = 0, tidE = 0, sidS = 0, sidE = 0, tsS = 0, tsE = 0, dropped = 0, flags = 0, count = 0; // prettier-ignore
  while (r.pos < end) {
    const tag = r.tag(end, 'Link');
    switch (tag) {
      case 0x0a: tidE = r.lenEnd(end, 'Link.trace_id'); tidS = r.pos; r.pos = tidE; break;
      case 0x12: sidE = r.lenEnd(end, 'Link.span_id'); sidS = r.pos; r.pos = sidE; break;
      case 0x1a: tsE = r.lenEnd(end, 'Link.trace_state'); tsS = r.pos; r.pos = tsE; break;
      case 0x22: r.pos = r.lenEnd(end, 'Link.attributes'); count++; break;
      case 0x28: dropped = r.varint(end, 'Link.dropped_attributes_count'); break;
      case 0x35: flags = r.fixed32(end, 'Link.flags'); break;
      default: r.skip(tag, end, 'Link');
    } // prettier-ignore
  }
  enc.linkIn(tidS, tidE, sidS, sidE, tsS, tsE);
  enc.attrs(count, false);
  r.pos = start;
  eachField(r, end, 0x22, 'Link.attributes');
  enc.endAttrs();
  enc.u32(dropped);
  enc.u32(flags);
}
