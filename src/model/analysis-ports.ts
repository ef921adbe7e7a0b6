import type { Nanos, Span, TraceId } from './span.js';

/** What the analysis endpoints read besides whole traces (src/store/analysis-reader.ts implements it). */

/** One edge of the service graph over a window. */
export interface DependencyEdge {
  parent: string;
  child: string;
  callCount: number;
  /** Calls that failed (by the stored error flag of the callee's span, or of the call when the callee is unseen). */
  errorCount: number;
  /** false when the child is an uninstrumented callee seen only from its callers' CLIENT spans. */
  instrumented: boolean;
  /** true when calls on this edge continued in another trace (traceparent dropped). */
  broken: boolean;
}

export interface DependencyGraphRows {
  edges: DependencyEdge[];
  /** Traces that started in the window's minutes. */
  traces: number;
}

/** Synchronous, like better-sqlite3 itself. */
export interface AnalysisReader {
  /**
   * Root (or orphaned) SERVER/CONSUMER spans of traces starting in [startNs, endNs], except `excludeTraceId`'s;
   * at most `limit`, earliest first: where a call that lost its trace may have continued. Only the fields the
   * callee matcher reads are filled in (service, kind, times, `server.address`/`server.port`,
   * `messaging.destination.name`).
   */
  rootSpansBetween(startNs: Nanos, endNs: Nanos, excludeTraceId: TraceId, limit?: number): Span[];
  /** The maintained service graph of the whole minutes [startNs, endNs] touches. */
  dependencies(startNs: Nanos, endNs: Nanos): DependencyGraphRows;
}
