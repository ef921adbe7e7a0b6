/**
 * The span as tracelite knows it. Decoders produce `SpanRecord`s (nested data already JSON text, ready to
 * bind); the store reads back `Span`s (nested data parsed). Nothing after ingest/ sees OTLP shapes.
 */

/** Epoch nanoseconds, exact. */
export type Nanos = bigint;
/** 32 lowercase hex digits. */
export type TraceId = string;
/** 16 lowercase hex digits. */
export type SpanId = string;

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKindCode = (typeof SpanKind)[keyof typeof SpanKind];
export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKindName = (typeof SPAN_KIND_NAMES)[number];

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];
export const STATUS_CODE_NAMES = ['unset', 'ok', 'error'] as const;
export type StatusCodeName = (typeof STATUS_CODE_NAMES)[number];

/**
 * An attribute value after decoding. Strings, booleans and numbers map directly; an int64 outside
 * ±(2^53−1) becomes its decimal string; bytes become standard base64 text; arrays and kvlists nest.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/** One OTLP Resource, shared (by reference) by every record decoded from the same ResourceSpans. */
export interface ResourceRecord {
  /** `service.name`, or `unknown_service` when absent. */
  serviceName: string;
  /** JSON text of an `Attributes` object. */
  attributes: string;
  droppedAttributesCount: number;
}

/** One InstrumentationScope, shared by the records of one ScopeSpans. */
export interface ScopeRecord {
  name: string;
  version: string;
  /** JSON text of an `Attributes` object. */
  attributes: string;
  droppedAttributesCount: number;
}

/** JSON shape of one element of `SpanRecord.events`. */
export interface EventJson {
  name: string;
  /** Decimal string: exact nanoseconds. */
  timeUnixNano: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** JSON shape of one element of `SpanRecord.links`. */
export interface LinkJson {
  traceId: TraceId;
  spanId: SpanId;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

/** A span as decoded at the edge and written by the store. */
export interface SpanRecord {
  traceId: TraceId;
  spanId: SpanId;
  /** '' for a root span. */
  parentSpanId: SpanId | '';
  traceState: string;
  /** OTLP Span.flags (W3C trace flags in the low byte, remote bits 0x100/0x200). */
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  /** JSON text of an `Attributes` object. */
  attributes: string;
  droppedAttributesCount: number;
  /** JSON text of an `EventJson[]`. */
  events: string;
  droppedEventsCount: number;
  /** JSON text of a `LinkJson[]`. */
  links: string;
  droppedLinksCount: number;
  statusCode: number;
  statusMessage: string;
  /** Failed, by model/failure.ts (decided by ingest's acceptSpan; decoders leave it false). */
  error: boolean;
  /** CLIENT/PRODUCER spans: whom they called (model/semconv.ts callTargetOf label), else ''. Set by acceptSpan. */
  callee: string;
  /** SERVER/CONSUMER spans: the `host:port` they were reached at (endpointKey), else ''. Set by acceptSpan. */
  address: string;
  resource: ResourceRecord;
  scope: ScopeRecord;
}

export interface SpanEvent {
  name: string;
  timeUnixNano: Nanos;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: TraceId;
  spanId: SpanId;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

/** A span as read back from the store. */
export interface Span {
  traceId: TraceId;
  spanId: SpanId;
  parentSpanId: SpanId | '';
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  service: string;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  statusCode: number;
  statusMessage: string;
  /** Failed, by the one definition in model/failure.ts, as decided at ingest. */
  error: boolean;
  resource: { attributes: Attributes; droppedAttributesCount: number };
  scope: { name: string; version: string; attributes: Attributes; droppedAttributesCount: number };
}
