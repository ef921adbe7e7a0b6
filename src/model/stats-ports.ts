import type { Nanos } from './span.js';

/**
 * Per-service and per-operation request statistics, all time or over a window (src/store/stats-reader.ts).
 * A service's requests are its entry spans (SERVER/CONSUMER, plus root spans of other kinds); its errors the
 * failed ones, by the stored error flag. Windows are whole minutes: the store keeps the stats per minute.
 */

/**
 * Upper bounds of the latency histogram's buckets, log-scale (×√10 apart), the last one open-ended:
 * ≤100 µs, ≤316 µs, ≤1 ms … ≤10 s, >10 s. Fixed for every row so histograms compare at a glance.
 */
export const LATENCY_BUCKET_BOUNDS_NS: readonly number[] = Array.from({ length: 11 }, (_, i) =>
  Math.round(1e5 * Math.pow(10, i / 2)),
);

/** The stats are kept per minute of the spans' start: windows are whole minutes. */
export const NS_PER_MINUTE = 60_000_000_000n;

export interface LatencyStats {
  /** Spans counted: requests for a service or an entry operation, calls for an outgoing one. */
  count: number;
  /** Of those, the failed ones. */
  errors: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
  /** Span counts per LATENCY_BUCKET_BOUNDS_NS bucket, plus one for "slower than the last bound". */
  histogram: number[];
}

/** What an operation is to its service: requests it served, calls it made, or work inside it. */
export type OperationRole = 'entry' | 'call' | 'internal';

export interface OperationStats extends LatencyStats {
  name: string;
  kind: number;
  role: OperationRole;
  /** For calls: the service that answers at the called address, else the peer name or host:port; else ''. */
  callee: string;
  /** "GET /checkout", or for a call "GET → inventory" (model/semconv.ts callLabel). */
  label: string;
}

export interface ServiceStats extends LatencyStats {
  name: string;
  /** Every span of the service, of any role, and the failed ones among them. */
  spanCount: number;
  errorSpanCount: number;
  /** Traces the service took part in (by the minute each trace started). */
  traceCount: number;
  /** Entry operations first, then calls, then internal work; by name within each. */
  operations: OperationStats[];
}

export interface StatsWindow {
  startNs: Nanos;
  endNs: Nanos;
}

/** Synchronous, like better-sqlite3 itself. */
export interface StatsReader {
  /** All time without a window; with one, the minutes that [start, end] touches. */
  serviceStats(window?: StatsWindow): ServiceStats[];
}
