import type { Nanos, SpanId, TraceId } from './span.js';

/** Spans read back as they came in, for exports (OTLP JSON/protobuf, Tempo, Jaeger v3, forwarding). */

/**
 * An OTLP AnyValue with its type kept: int64 exact as a bigint, a double stays a double (NaN, ±Infinity and -0
 * included), bytes stay bytes. `{}` is the empty value. Shaped like OTLP/JSON, so exporters map it field by field.
 */
export type TypedValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: bigint }
  | { doubleValue: number }
  | { bytesValue: Uint8Array }
  | { arrayValue: { values: TypedValue[] } }
  | { kvlistValue: { values: TypedKeyValue[] } }
  | Record<string, never>;

export interface TypedKeyValue {
  key: string;
  value: TypedValue;
}

export interface TypedEvent {
  timeUnixNano: Nanos;
  name: string;
  attributes: TypedKeyValue[];
  droppedAttributesCount: number;
}

export interface TypedLink {
  /** Lowercase hex of whatever bytes were sent (normally 16 / 8 bytes). */
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: TypedKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

/** A span as it came in, with what ingest decided about it; resource and scope by dimension hash. */
export interface TypedSpan {
  traceId: TraceId;
  spanId: SpanId;
  parentSpanId: SpanId | '';
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes: TypedKeyValue[];
  droppedAttributesCount: number;
  events: TypedEvent[];
  droppedEventsCount: number;
  links: TypedLink[];
  droppedLinksCount: number;
  statusCode: number;
  statusMessage: string;
  error: boolean;
  callee: string;
  address: string;
  /** Dimension hashes (EncodedDimension.hash). */
  resource: string;
  scope: string;
}

export interface TypedResource {
  kind: 'resource';
  attributes: TypedKeyValue[];
  droppedAttributesCount: number;
}

export interface TypedScope {
  kind: 'scope';
  name: string;
  version: string;
  attributes: TypedKeyValue[];
  droppedAttributesCount: number;
}

/** A trace as it came in: its spans (start order, each span once) and the resources and scopes they name by hash. */
export interface TypedTrace {
  spans: TypedSpan[];
  resources: ReadonlyMap<string, TypedResource>;
  scopes: ReadonlyMap<string, TypedScope>;
}
