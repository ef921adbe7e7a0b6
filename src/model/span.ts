/**
 * The span as tracelite knows it. Decoders encode spans into chunks (src/codec); the readers give back `Span`s,
 * nested data parsed. Nothing after ingest/ sees OTLP shapes (exports read chunks typed, codec/types.ts).
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
