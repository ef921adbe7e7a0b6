import type { Nanos, SpanId, TraceId } from './span.js';

/**
 * The stored form of spans (store v2). Ingest decodes OTLP into these; the store writes them as they are; the
 * readers decode them back (src/codec has the format, the encoder and the readers).
 */

/** One trace's spans from one export request, encoded: a row of `chunks`, beside the trace ID. */
export interface EncodedChunk {
  traceId: TraceId;
  data: Uint8Array;
  spanCount: number;
}

/** A resource or instrumentation scope, encoded once and referenced by hash from every chunk that uses it. */
export interface EncodedDimension {
  /** 16 lowercase hex digits: the first 8 bytes of SHA-256 over `data`. */
  hash: string;
  kind: 'resource' | 'scope';
  data: Uint8Array;
  /** Resources only: `service.name`, or `unknown_service`. */
  serviceName: string;
}

/** What ingest keeps of a span besides its chunk: enough for the pipeline stages (sampler, stats) to decide. */
export interface SpanMeta {
  traceId: TraceId;
  spanId: SpanId;
  /** '' for a root span. */
  parentSpanId: SpanId | '';
  name: string;
  kind: number;
  service: string;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  statusCode: number;
  flags: number;
  /** Failed, by model/failure.ts. */
  error: boolean;
  /** CLIENT/PRODUCER: whom it called (model/semconv.ts callTargetOf label); else ''. */
  callee: string;
  /** SERVER/CONSUMER: the endpointKey it was reached at; else ''. */
  address: string;
  /** Index of this span's chunk in the request's `chunks`. */
  chunk: number;
}

/** What a decoder makes of one export request. */
export interface DecodedRequest {
  /** The accepted spans, in request order. */
  spans: SpanMeta[];
  /** One chunk per trace of the request, holding its accepted spans. */
  chunks: EncodedChunk[];
  /** Every resource and scope the chunks reference. */
  dimensions: EncodedDimension[];
  /** Spans dropped as invalid (bad ID length, all-zero IDs, end before start). */
  rejected: number;
  /** '' when nothing was rejected; otherwise the first few reasons, for `partial_success.error_message`. */
  rejectionMessage: string;
}

/** What one write carries: the chunks of one or more export requests and the dimensions they reference. */
export interface WriteBatch {
  chunks: EncodedChunk[];
  dimensions: EncodedDimension[];
}
