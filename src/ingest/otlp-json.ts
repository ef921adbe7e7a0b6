import { RequestEncoder, SpanHead } from '../codec/encoder.js';
import type { DecodedRequest, EncodedDimension, SpanMeta } from '../codec/types.js';
import { InvalidInputError } from '../model/errors.js';
import { Rejections } from './decoded.js';
import { decodeJsonFast } from './json-fast.js';
import {
  attributes,
  enumCode,
  idHex,
  list,
  nanos,
  type Obj,
  object,
  optObject,
  SPAN_KIND_CODES,
  STATUS_CODES,
  str,
  uint32,
} from './json-values.js';
import { decideSpan, normalParent, spanMeta, spanProblem } from './validate.js';

/**
 * ExportTraceServiceRequest in OTLP/JSON -> the same SpanMetas and the same chunk bytes the protobuf decoder
 * makes for the same data. Accepts what real senders send (reference/protocol.md §1.4): hex IDs in any case and
 * legacy base64 IDs, int64 as strings or numbers, enums as integers or names, snake_case keys, and the pre-1.0
 * `instrumentationLibrarySpans`. Unknown keys are ignored. An empty body is an empty request. Value types are
 * kept: `intValue` is an int, `doubleValue` a double even when whole, `bytesValue` bytes. What real senders
 * write goes through a byte-level fast path (json-fast.ts) that gives the same bytes or leaves the request here.
 */
export function decodeJsonRequest(text: string | Buffer, maxAttributeLength = 0): DecodedRequest {
  return (
    decodeJsonFast(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, maxAttributeLength) ??
    decodeJsonGeneral(text, maxAttributeLength)
  );
}

/** The general decoder: JSON.parse, then every rule; what decodeJsonFast leaves to it (json-fast.ts). */
export function decodeJsonGeneral(text: string | Buffer, maxAttributeLength = 0): DecodedRequest {
  const root = object(parse(typeof text === 'string' ? text : text.toString('utf8')), 'ExportTraceServiceRequest');
  enc.begin(undefined, maxAttributeLength);
  const out: SpanMeta[] = [];
  const rej = new Rejections();
  const all = list(root.resourceSpans ?? root.resource_spans, 'resourceSpans');
  for (let i = 0; i < all.length; i++) resourceSpans(object(all[i], 'ResourceSpans'), out, rej);
  return rej.result(out, enc.finish());
}

/** Decoding is synchronous, so one encoder serves every request. */
const enc = new RequestEncoder();
const head = new SpanHead();

function parse(text: string): unknown {
  // A byte-order mark is legal in a UTF-8 file but not in JSON.parse's input.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`invalid JSON: ${(err as Error).message}`);
  }
}

function resourceSpans(rs: Obj, out: SpanMeta[], rej: Rejections): void {
  const r = optObject(rs.resource, 'Resource');
  enc.beginResource();
  attributes(r?.attributes, enc, true);
  const resource = enc.endResource(r ? uint32(r.droppedAttributesCount ?? r.dropped_attributes_count, 'Resource.droppedAttributesCount') : 0);
  const scopes = list(rs.scopeSpans ?? rs.scope_spans, 'scopeSpans');
  for (let i = 0; i < scopes.length; i++) scopeSpans(object(scopes[i], 'ScopeSpans'), resource, out, rej);
  const legacy = list(rs.instrumentationLibrarySpans ?? rs.instrumentation_library_spans, 'instrumentationLibrarySpans');
  for (let i = 0; i < legacy.length; i++) scopeSpans(object(legacy[i], 'InstrumentationLibrarySpans'), resource, out, rej);
}

function scopeSpans(ss: Obj, resource: EncodedDimension, out: SpanMeta[], rej: Rejections): void {
  const s = optObject(ss.scope ?? ss.instrumentationLibrary ?? ss.instrumentation_library, 'InstrumentationScope');
  enc.beginScope(s ? str(s.name, 'InstrumentationScope.name') : '', s ? str(s.version, 'InstrumentationScope.version') : '');
  attributes(s?.attributes, enc, false);
  const dropped = s ? uint32(s.droppedAttributesCount ?? s.dropped_attributes_count, 'InstrumentationScope.droppedAttributesCount') : 0;
  const scope = enc.endScope(dropped);
  const spans = list(ss.spans, 'spans');
  for (let i = 0; i < spans.length; i++) span(object(spans[i], 'Span'), resource, scope, out, rej);
}

/** Each link's IDs as hex, checked before the span is encoded (a bad one rejects the span). */
const linkIds: string[] = [];

function span(s: Obj, resource: EncodedDimension, scope: EncodedDimension, out: SpanMeta[], rej: Rejections): void {
  const traceId = idHex(s.traceId ?? s.trace_id, 16, 'Span.traceId');
  const spanId = idHex(s.spanId ?? s.span_id, 8, 'Span.spanId');
  const parentSpanId = idHex(s.parentSpanId ?? s.parent_span_id, 8, 'Span.parentSpanId');
  const status = optObject(s.status, 'Span.status');
  head.traceState = str(s.traceState ?? s.trace_state, 'Span.traceState');
  head.flags = uint32(s.flags, 'Span.flags');
  head.name = str(s.name, 'Span.name');
  head.kind = enumCode(s.kind, SPAN_KIND_CODES, 'Span.kind');
  const start = nanos(s.startTimeUnixNano ?? s.start_time_unix_nano, 'Span.startTimeUnixNano');
  const end = nanos(s.endTimeUnixNano ?? s.end_time_unix_nano, 'Span.endTimeUnixNano');
  const droppedAttributes = uint32(s.droppedAttributesCount ?? s.dropped_attributes_count, 'Span.droppedAttributesCount');
  const droppedEvents = uint32(s.droppedEventsCount ?? s.dropped_events_count, 'Span.droppedEventsCount');
  const droppedLinks = uint32(s.droppedLinksCount ?? s.dropped_links_count, 'Span.droppedLinksCount');
  head.statusCode = status ? enumCode(status.code, STATUS_CODES, 'Status.code') : 0;
  head.statusMessage = status ? str(status.message, 'Status.message') : '';
  const evs = list(s.events, 'Span.events');
  const lks = list(s.links, 'Span.links');
  const badLink = !linkIdsOf(lks);

  let problem = '';
  if (traceId === null || spanId === null || parentSpanId === null || badLink) {
    const which = traceId === null ? 'trace_id' : spanId === null ? 'span_id' : parentSpanId === null ? 'parent_span_id' : 'a link ID';
    problem = `span ${spanId || '(no span_id)'}: ${which} is neither hex nor base64`;
  } else problem = spanProblem(traceId, spanId, parentSpanId, start, end);
  if (problem !== '') rej.reject(problem);
  // A rejected span is still walked through, so that malformed fields fail the request as they always have.
  const chunk = problem === '' ? enc.chunkFor(traceId!) : -1;
  enc.beginSpan(chunk, hi(start), lo(start));
  attributes(s.attributes, enc, true);
  enc.u32(droppedAttributes);
  enc.u32(evs.length);
  for (let i = 0; i < evs.length; i++) event(object(evs[i], 'Event'));
  enc.u32(droppedEvents);
  enc.u32(lks.length);
  for (let i = 0; i < lks.length; i++) link(object(lks[i], 'Link'), i);
  enc.u32(droppedLinks);
  const end64 = end;
  head.spanId = spanId ?? '';
  head.parentSpanId = normalParent(parentSpanId ?? '');
  head.endHi = hi(end64);
  head.endLo = lo(end64);
  head.resource = resource.hash;
  head.scope = scope.hash;
  if (chunk >= 0) decideSpan(enc, head);
  enc.endSpan(head);
  if (chunk >= 0) out.push(spanMeta(traceId!, head, start, end, resource.serviceName, chunk));
}

const hi = (t: bigint): number => Number(t >> 32n);
const lo = (t: bigint): number => Number(t & 0xffffffffn);

/** Fills `linkIds` (trace, span, trace, span…); false if some link ID is neither hex nor base64. */
function linkIdsOf(lks: unknown[]): boolean {
  linkIds.length = 0;
  let ok = true;
  for (let i = 0; i < lks.length; i++) {
    const l = object(lks[i], 'Link');
    const traceId = idHex(l.traceId ?? l.trace_id, 16, 'Link.traceId');
    const spanId = idHex(l.spanId ?? l.span_id, 8, 'Link.spanId');
    if (traceId === null || spanId === null) ok = false;
    linkIds.push(traceId ?? '', spanId ?? '');
  }
  return ok;
}

function event(e: Obj): void {
  const time = nanos(e.timeUnixNano ?? e.time_unix_nano, 'Event.timeUnixNano');
  enc.eventJs(hi(time), lo(time), str(e.name, 'Event.name'));
  attributes(e.attributes, enc, false);
  enc.u32(uint32(e.droppedAttributesCount ?? e.dropped_attributes_count, 'Event.droppedAttributesCount'));
}

function link(l: Obj, i: number): void {
  enc.linkJs(linkIds[2 * i], linkIds[2 * i + 1], str(l.traceState ?? l.trace_state, 'Link.traceState'));
  attributes(l.attributes, enc, false);
  enc.u32(uint32(l.droppedAttributesCount ?? l.dropped_attributes_count, 'Link.droppedAttributesCount'));
  enc.u32(uint32(l.flags, 'Link.flags'));
}
