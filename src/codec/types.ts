import type { Attributes, Nanos, SpanId, TraceId } from '../model/span.js';

/**
 * The stored form of spans (store v2). Ingest decodes OTLP into these; the store writes them as they are; the
 * readers decode them back. The byte format is documented in src/codec/format.ts.
 */

// The stored form's base types are named by the ports too, so they live in model/encoded.ts.
export type { DecodedRequest, EncodedChunk, EncodedDimension, SpanMeta, WriteBatch } from '../model/encoded.js';

// ---- read back: the read model (model/span.ts) ----

/** A resource dimension as the read model wants it (`Span.resource` plus its service name). */
export interface ResourceDimension {
  kind: 'resource';
  /** `service.name` when it is a string, else `unknown_service`. */
  serviceName: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ScopeDimension {
  kind: 'scope';
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export type DimensionInfo = ResourceDimension | ScopeDimension;

/** What `readChunk` resolves a chunk's dimension hashes with: a map, or a function (a cache in front of the db). */
export type DimensionLookup = ReadonlyMap<string, DimensionInfo> | ((hash: string) => DimensionInfo | undefined);

// ---- read back, typed: the ports name these too, so they live in model/typed.ts ----

export type { TypedEvent, TypedKeyValue, TypedLink, TypedResource, TypedScope, TypedSpan, TypedTrace, TypedValue } from '../model/typed.js';
import type { TypedKeyValue } from '../model/typed.js';

// ---- read back, light: the writer's per-span index fields ----

/**
 * What `readChunkIndex` reads of a span: its index fields, and the values of the keys asked for in the text form
 * of the attribute search (strings as they are; ints and doubles as written, NaN/Infinity/-Infinity included;
 * `true`/`false`; bytes as base64). Arrays, kvlists and empty values are not indexed.
 */
export interface IndexedSpan {
  spanId: SpanId;
  parentSpanId: SpanId | '';
  kind: number;
  flags: number;
  startNs: Nanos;
  endNs: Nanos;
  error: boolean;
  name: string;
  callee: string;
  address: string;
  statusCode: number;
  /** Dimension hashes. */
  resource: string;
  scope: string;
  /** [key, text] of the span's own attributes, in order. */
  values: Array<[string, string]>;
  /** [key, text] of its events' attributes, event by event. */
  eventValues: Array<[string, string]>;
}

// ---- encoding already-parsed spans (tests, migrations, Zipkin, imports) ----

/**
 * Attributes to encode: a read-model object (integer numbers → INT, other numbers → DOUBLE, strings, booleans,
 * null → empty, arrays, objects → KVLIST), or typed key/values (kept exactly).
 */
export type AttributesInput = Attributes | readonly TypedKeyValue[];

export interface EventInput {
  name: string;
  timeUnixNano: Nanos;
  attributes?: AttributesInput;
  droppedAttributesCount?: number;
}

export interface LinkInput {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes?: AttributesInput;
  droppedAttributesCount?: number;
  flags?: number;
}

/**
 * A span to encode; a read-model `Span` is one. `error` defaults to model/failure.ts's rule, `callee`/`address`
 * to model/semconv.ts's callEndsOf, as ingest decides them.
 */
export interface SpanInput {
  traceId: TraceId;
  spanId: SpanId;
  parentSpanId?: SpanId | '';
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes: AttributesInput;
  droppedAttributesCount?: number;
  events?: readonly EventInput[];
  droppedEventsCount?: number;
  links?: readonly LinkInput[];
  droppedLinksCount?: number;
  statusCode?: number;
  statusMessage?: string;
  error?: boolean;
  callee?: string;
  address?: string;
}

export interface ResourceInput {
  attributes: AttributesInput;
  droppedAttributesCount?: number;
}

export interface ScopeInput {
  name?: string;
  version?: string;
  attributes?: AttributesInput;
  droppedAttributesCount?: number;
}

/** A read-model span, or any span input that says which resource and scope it belongs to. */
export interface SpanWithDimensions extends SpanInput {
  resource: ResourceInput;
  scope: ScopeInput;
}
