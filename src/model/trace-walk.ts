import type { Nanos, TraceId } from './span.js';

/**
 * The stored traces of a window as the sampling simulator replays them: each trace's summary row (what a tail
 * policy decides on), read without decoding spans — except the values of the attribute keys a policy asks for.
 */

/** One stored trace's facts, as `sampling/evaluate.ts`'s `traceFacts` defines them over its spans. */
export interface WalkedTrace {
  traceId: TraceId;
  startNs: Nanos;
  /** The last span's end. */
  endNs: Nanos;
  /** First start to last end. */
  durationNs: bigint;
  spanCount: number;
  /** Spans with the stored failure flag (model/failure.ts). */
  errorCount: number;
  /** The root span's (no parent; the earliest of several) service and name; the earliest span's without a root. */
  rootService: string;
  rootName: string;
  /** Only for the keys asked: the text values of each key on the trace's spans and on their resources. */
  attributes?: ReadonlyMap<string, readonly string[]>;
}

export interface TraceWalkRequest {
  /** Traces starting in [startNs, endNs]; no lower bound when undefined. */
  startNs?: Nanos;
  endNs: Nanos;
  /** At most this many traces: the newest by start. */
  limit: number;
  /** Attribute keys to read from the traces' chunks; none means no chunk is read. */
  attributeKeys: readonly string[];
}

export interface TraceWalk {
  /** In start order (oldest first). */
  traces: WalkedTrace[];
  /** The window held more than `limit` traces; the oldest of them were left out. */
  more: boolean;
  /** The store's measured footprint per span: its live pages (chunks, rows, indexes, stats) / the spans it holds. */
  bytesPerSpan: number;
}
