import type { Nanos } from './span.js';

/** Per-service and per-operation request statistics, all time or over a window (src/store/stats-reader.ts). */

/**
 * Upper bounds of the latency histogram's buckets, log-scale (×√10 apart), the last one open-ended:
 * ≤100 µs, ≤316 µs, ≤1 ms … ≤10 s, >10 s. Fixed for every row so histograms compare at a glance.
 */
export const LATENCY_BUCKET_BOUNDS_NS: readonly number[] = Array.from({ length: 11 }, (_, i) =>
  Math.round(1e5 * Math.pow(10, i / 2)),
);

export interface LatencyStats {
  /** Spans. */
  requests: number;
  /** Spans with status ERROR. */
  errors: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
  /** Span counts per LATENCY_BUCKET_BOUNDS_NS bucket, plus one for "slower than the last bound". */
  histogram: number[];
}

export interface OperationStats extends LatencyStats {
  name: string;
  kind: number;
}

export interface ServiceStats extends LatencyStats {
  name: string;
  operations: OperationStats[];
  /** True when the window held more spans of this service than were read. */
  capped: boolean;
}

export interface ServiceStatsResult {
  services: ServiceStats[];
  /** Spans read to answer (0 when the maintained all-time tables answered). */
  spansRead: number;
  /** The per-service read cap, when a window was given. */
  capPerService?: number;
}

/** Synchronous, like better-sqlite3 itself. */
export interface StatsReader {
  /** Without a window: all time, from the maintained services/operations tables. With one: spans starting in [start, end]. */
  serviceStats(window?: { startNs: Nanos; endNs: Nanos }): ServiceStatsResult;
}
