import type { ResourceRecord, ScopeRecord, SpanRecord } from '../model/span.js';
import { eventText, linkText, serviceNameOf } from './attributes.js';
import { type DecodedRequest, Rejections } from './decoded.js';
import { JsonWriter, type KeyRanges } from './json-writer.js';
import { ProtoReader } from './proto-reader.js';
import { closeObject, keyValue, openObject, resetValues } from './proto-values.js';
import { acceptSpan } from './validate.js';

/**
 * ExportTraceServiceRequest (protobuf) -> SpanRecords, straight from the bytes: a schema-specific walker
 * over the field table of reference/protocol.md §2.1. Tags are matched as whole varints (field << 3 |
 * wire type), so a known field sent with another wire type is skipped like an unknown one. Attribute
 * lists are written as JSON bytes (json-writer.ts, proto-values.ts); events and links are concatenated.
 */
export function decodeProtobufRequest(buf: Buffer): DecodedRequest {
  resetValues();
  const c: Ctx = { r: new ProtoReader(buf), out: [], rej: new Rejections() };
  const r = c.r;
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.tag(end, 'ExportTraceServiceRequest');
    if (tag === 0x0a) resourceSpans(c, r.lenEnd(end, 'ExportTraceServiceRequest.resource_spans'));
    else r.skip(tag, end, 'ExportTraceServiceRequest');
  }
  return c.rej.result(c.out);
}

interface Ctx {
  r: ProtoReader;
  out: SpanRecord[];
  rej: Rejections;
}

// One writer per kind of attribute list, since protobuf may interleave their fields (a resource after
// its spans, span attributes around events). Decoding is synchronous, so these serve every request.
const resourceAttrs = new JsonWriter();
const scopeAttrs = new JsonWriter();
const spanAttrs = new JsonWriter();
const eventAttrs = new JsonWriter();
const linkAttrs = new JsonWriter();

/** Legacy `instrumentation_library_spans` (field 1000, wire type 2), same shape as ScopeSpans. */
const TAG_LEGACY_SCOPE_SPANS = (1000 << 3) | 2;

function resourceSpans(c: Ctx, end: number): void {
  const r = c.r;
  // Created first and filled in at the end: `resource` may follow the spans that share it.
  const res: ResourceRecord = { serviceName: 'unknown_service', attributes: '{}', droppedAttributesCount: 0 };
  const keys = openObject(resourceAttrs);
  while (r.pos < end) {
    const tag = r.tag(end, 'ResourceSpans');
    if (tag === 0x12 || tag === TAG_LEGACY_SCOPE_SPANS) scopeSpans(c, r.lenEnd(end, 'ResourceSpans.scope_spans'), res);
    else if (tag === 0x0a) resource(r, r.lenEnd(end, 'ResourceSpans.resource'), keys, res);
    else r.skip(tag, end, 'ResourceSpans');
  }
  res.attributes = closeObject(resourceAttrs);
  res.serviceName = serviceNameOf(res.attributes);
}

function resource(r: ProtoReader, end: number, keys: KeyRanges, res: ResourceRecord): void {
  while (r.pos < end) {
    const tag = r.tag(end, 'Resource');
    if (tag === 0x0a) keyValue(r, r.lenEnd(end, 'Resource.attributes'), resourceAttrs, keys);
    else if (tag === 0x10) res.droppedAttributesCount = r.varint(end, 'Resource.dropped_attributes_count');
    else r.skip(tag, end, 'Resource');
  }
}

function scopeSpans(c: Ctx, end: number, res: ResourceRecord): void {
  const r = c.r;
  const scope: ScopeRecord = { name: '', version: '', attributes: '{}', droppedAttributesCount: 0 };
  const keys = openObject(scopeAttrs);
  while (r.pos < end) {
    const tag = r.tag(end, 'ScopeSpans');
    if (tag === 0x12) span(c, r.lenEnd(end, 'ScopeSpans.spans'), res, scope);
    else if (tag === 0x0a) instrumentationScope(r, r.lenEnd(end, 'ScopeSpans.scope'), keys, scope);
    else r.skip(tag, end, 'ScopeSpans');
  }
  scope.attributes = closeObject(scopeAttrs);
}

function instrumentationScope(r: ProtoReader, end: number, keys: KeyRanges, scope: ScopeRecord): void {
  while (r.pos < end) {
    const tag = r.tag(end, 'InstrumentationScope');
    if (tag === 0x0a) scope.name = r.string(end, 'InstrumentationScope.name');
    else if (tag === 0x12) scope.version = r.string(end, 'InstrumentationScope.version');
    else if (tag === 0x1a) keyValue(r, r.lenEnd(end, 'InstrumentationScope.attributes'), scopeAttrs, keys);
    else if (tag === 0x20) scope.droppedAttributesCount = r.varint(end, 'InstrumentationScope.dropped_attributes_count');
    else r.skip(tag, end, 'InstrumentationScope');
  }
}

/** Status is decoded into these, so a span needs no object for it (and repeats merge, as in proto3). */
let statusCode = 0;
let statusMessage = '';

function span(c: Ctx, end: number, resource: ResourceRecord, scope: ScopeRecord): void {
  const r = c.r;
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let flags = 0;
  let start = 0n;
  let stop = 0n;
  let droppedAttributes = 0;
  let events = '';
  let droppedEvents = 0;
  let links = '';
  let droppedLinks = 0;
  statusCode = 0;
  statusMessage = '';
  const keys = openObject(spanAttrs);
  while (r.pos < end) {
    const tag = r.tag(end, 'Span');
    switch (tag) {
      case 0x0a: traceId = r.hex(end, 'Span.trace_id'); break;
      case 0x12: spanId = r.hex(end, 'Span.span_id'); break;
      case 0x1a: traceState = r.string(end, 'Span.trace_state'); break;
      case 0x22: parentSpanId = r.hex(end, 'Span.parent_span_id'); break;
      case 0x2a: name = r.string(end, 'Span.name'); break;
      case 0x30: kind = r.varint(end, 'Span.kind') | 0; break;
      case 0x39: start = r.fixed64(end, 'Span.start_time_unix_nano'); break;
      case 0x41: stop = r.fixed64(end, 'Span.end_time_unix_nano'); break;
      case 0x4a: keyValue(r, r.lenEnd(end, 'Span.attributes'), spanAttrs, keys); break;
      case 0x50: droppedAttributes = r.varint(end, 'Span.dropped_attributes_count'); break;
      case 0x5a: events += (events === '' ? '' : ',') + event(r, r.lenEnd(end, 'Span.events')); break;
      case 0x60: droppedEvents = r.varint(end, 'Span.dropped_events_count'); break;
      case 0x6a: links += (links === '' ? '' : ',') + link(r, r.lenEnd(end, 'Span.links')); break;
      case 0x70: droppedLinks = r.varint(end, 'Span.dropped_links_count'); break;
      case 0x7a: status(r, r.lenEnd(end, 'Span.status')); break;
      case 0x85: flags = r.fixed32(end, 'Span.flags'); break;
      default: r.skip(tag, end, 'Span');
    }
  }
  acceptSpan(
    {
      traceId,
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind,
      startTimeUnixNano: start,
      endTimeUnixNano: stop,
      attributes: closeObject(spanAttrs),
      droppedAttributesCount: droppedAttributes,
      events: '[' + events + ']',
      droppedEventsCount: droppedEvents,
      links: '[' + links + ']',
      droppedLinksCount: droppedLinks,
      statusCode,
      statusMessage,
      error: false,
      callee: '',
      address: '',
      resource,
      scope,
    },
    c.out,
    c.rej,
  );
}

function status(r: ProtoReader, end: number): void {
  while (r.pos < end) {
    const tag = r.tag(end, 'Status');
    if (tag === 0x12) statusMessage = r.string(end, 'Status.message');
    else if (tag === 0x18) statusCode = r.varint(end, 'Status.code') | 0;
    else r.skip(tag, end, 'Status');
  }
}

function event(r: ProtoReader, end: number): string {
  let time = 0n;
  let name = '';
  let dropped = 0;
  const keys = openObject(eventAttrs);
  while (r.pos < end) {
    const tag = r.tag(end, 'Event');
    if (tag === 0x1a) keyValue(r, r.lenEnd(end, 'Event.attributes'), eventAttrs, keys);
    else if (tag === 0x09) time = r.fixed64(end, 'Event.time_unix_nano');
    else if (tag === 0x12) name = r.string(end, 'Event.name');
    else if (tag === 0x20) dropped = r.varint(end, 'Event.dropped_attributes_count');
    else r.skip(tag, end, 'Event');
  }
  return eventText(name, time.toString(), closeObject(eventAttrs), dropped);
}

function link(r: ProtoReader, end: number): string {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let dropped = 0;
  let flags = 0;
  const keys = openObject(linkAttrs);
  while (r.pos < end) {
    const tag = r.tag(end, 'Link');
    switch (tag) {
      case 0x0a: traceId = r.hex(end, 'Link.trace_id'); break;
      case 0x12: spanId = r.hex(end, 'Link.span_id'); break;
      case 0x1a: traceState = r.string(end, 'Link.trace_state'); break;
      case 0x22: keyValue(r, r.lenEnd(end, 'Link.attributes'), linkAttrs, keys); break;
      case 0x28: dropped = r.varint(end, 'Link.dropped_attributes_count'); break;
      case 0x35: flags = r.fixed32(end, 'Link.flags'); break;
      default: r.skip(tag, end, 'Link');
    }
  }
  return linkText(traceId, spanId, traceState, closeObject(linkAttrs), dropped, flags);
}
