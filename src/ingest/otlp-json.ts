import { InvalidInputError } from '../model/errors.js';
import type { ResourceRecord, ScopeRecord, SpanRecord } from '../model/span.js';
import { eventText, linkText, serviceNameOf } from './attributes.js';
import { type DecodedRequest, Rejections } from './decoded.js';
import {
  attributesText,
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
import { acceptSpan } from './validate.js';

/**
 * ExportTraceServiceRequest in OTLP/JSON -> the same SpanRecords the protobuf decoder makes for the
 * same data. Accepts what real senders send (reference/protocol.md §1.4): hex IDs in any case and
 * legacy base64 IDs, int64 as strings or numbers, enums as integers or names, snake_case keys, and the
 * pre-1.0 `instrumentationLibrarySpans`. Unknown keys are ignored. An empty body is an empty request.
 * A double that is NaN or ±Infinity is stored as the string "NaN"/"Infinity"/"-Infinity".
 */
export function decodeJsonRequest(text: string | Buffer): DecodedRequest {
  const root = object(parse(typeof text === 'string' ? text : text.toString('utf8')), 'ExportTraceServiceRequest');
  const out: SpanRecord[] = [];
  const rej = new Rejections();
  const all = list(root.resourceSpans ?? root.resource_spans, 'resourceSpans');
  for (let i = 0; i < all.length; i++) resourceSpans(object(all[i], 'ResourceSpans'), out, rej);
  return rej.result(out);
}

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

function resourceSpans(rs: Obj, out: SpanRecord[], rej: Rejections): void {
  const r = optObject(rs.resource, 'Resource');
  const attributes = r ? attributesText(r.attributes) : '{}';
  const resource: ResourceRecord = {
    serviceName: serviceNameOf(attributes),
    attributes,
    droppedAttributesCount: r ? uint32(r.droppedAttributesCount ?? r.dropped_attributes_count, 'Resource.droppedAttributesCount') : 0,
  };
  const scopes = list(rs.scopeSpans ?? rs.scope_spans, 'scopeSpans');
  for (let i = 0; i < scopes.length; i++) scopeSpans(object(scopes[i], 'ScopeSpans'), resource, out, rej);
  const legacy = list(rs.instrumentationLibrarySpans ?? rs.instrumentation_library_spans, 'instrumentationLibrarySpans');
  for (let i = 0; i < legacy.length; i++) scopeSpans(object(legacy[i], 'InstrumentationLibrarySpans'), resource, out, rej);
}

function scopeSpans(ss: Obj, resource: ResourceRecord, out: SpanRecord[], rej: Rejections): void {
  const s = optObject(ss.scope ?? ss.instrumentationLibrary ?? ss.instrumentation_library, 'InstrumentationScope');
  const scope: ScopeRecord = {
    name: s ? str(s.name, 'InstrumentationScope.name') : '',
    version: s ? str(s.version, 'InstrumentationScope.version') : '',
    attributes: s ? attributesText(s.attributes) : '{}',
    droppedAttributesCount: s ? uint32(s.droppedAttributesCount ?? s.dropped_attributes_count, 'InstrumentationScope.droppedAttributesCount') : 0,
  };
  const spans = list(ss.spans, 'spans');
  for (let i = 0; i < spans.length; i++) span(object(spans[i], 'Span'), resource, scope, out, rej);
}

function span(s: Obj, resource: ResourceRecord, scope: ScopeRecord, out: SpanRecord[], rej: Rejections): void {
  const traceId = idHex(s.traceId ?? s.trace_id, 16, 'Span.traceId');
  const spanId = idHex(s.spanId ?? s.span_id, 8, 'Span.spanId');
  const parentSpanId = idHex(s.parentSpanId ?? s.parent_span_id, 8, 'Span.parentSpanId');
  const status = optObject(s.status, 'Span.status');
  const record: SpanRecord = {
    traceId: traceId ?? '',
    spanId: spanId ?? '',
    parentSpanId: parentSpanId ?? '',
    traceState: str(s.traceState ?? s.trace_state, 'Span.traceState'),
    flags: uint32(s.flags, 'Span.flags'),
    name: str(s.name, 'Span.name'),
    kind: enumCode(s.kind, SPAN_KIND_CODES, 'Span.kind'),
    startTimeUnixNano: nanos(s.startTimeUnixNano ?? s.start_time_unix_nano, 'Span.startTimeUnixNano'),
    endTimeUnixNano: nanos(s.endTimeUnixNano ?? s.end_time_unix_nano, 'Span.endTimeUnixNano'),
    attributes: attributesText(s.attributes),
    droppedAttributesCount: uint32(s.droppedAttributesCount ?? s.dropped_attributes_count, 'Span.droppedAttributesCount'),
    events: events(s.events),
    droppedEventsCount: uint32(s.droppedEventsCount ?? s.dropped_events_count, 'Span.droppedEventsCount'),
    links: links(s.links),
    droppedLinksCount: uint32(s.droppedLinksCount ?? s.dropped_links_count, 'Span.droppedLinksCount'),
    statusCode: status ? enumCode(status.code, STATUS_CODES, 'Status.code') : 0,
    statusMessage: status ? str(status.message, 'Status.message') : '',
    error: false,
    callee: '',
    address: '',
    resource,
    scope,
  };
  if (traceId === null || spanId === null || parentSpanId === null || record.links === BAD_LINK) {
    const which = traceId === null ? 'trace_id' : spanId === null ? 'span_id' : parentSpanId === null ? 'parent_span_id' : 'a link ID';
    rej.reject(`span ${spanId || '(no span_id)'}: ${which} is neither hex nor base64`);
    return;
  }
  acceptSpan(record, out, rej);
}

function events(v: unknown): string {
  const all = list(v, 'Span.events');
  let s = '';
  for (let i = 0; i < all.length; i++) {
    const e = object(all[i], 'Event');
    const attrs = attributesText(e.attributes);
    const time = nanos(e.timeUnixNano ?? e.time_unix_nano, 'Event.timeUnixNano');
    const dropped = uint32(e.droppedAttributesCount ?? e.dropped_attributes_count, 'Event.droppedAttributesCount');
    s += (i === 0 ? '' : ',') + eventText(str(e.name, 'Event.name'), time.toString(), attrs, dropped);
  }
  return '[' + s + ']';
}

/** Marks links that hold an undecodable ID: the span is rejected, like one with a bad ID of its own. */
const BAD_LINK = '!';

function links(v: unknown): string {
  const all = list(v, 'Span.links');
  let s = '';
  for (let i = 0; i < all.length; i++) {
    const l = object(all[i], 'Link');
    const traceId = idHex(l.traceId ?? l.trace_id, 16, 'Link.traceId');
    const spanId = idHex(l.spanId ?? l.span_id, 8, 'Link.spanId');
    if (traceId === null || spanId === null) return BAD_LINK;
    const attrs = attributesText(l.attributes);
    const traceState = str(l.traceState ?? l.trace_state, 'Link.traceState');
    const dropped = uint32(l.droppedAttributesCount ?? l.dropped_attributes_count, 'Link.droppedAttributesCount');
    const flags = uint32(l.flags, 'Link.flags');
    s += (i === 0 ? '' : ',') + linkText(traceId, spanId, traceState, attrs, dropped, flags);
  }
  return '[' + s + ']';
}
