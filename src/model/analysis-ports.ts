import type { Nanos, Span, TraceId } from './span.js';

/** What the analysis endpoints read besides whole traces (src/store/analysis-reader.ts implements it). */

/** Spans of `parent` service with a direct child span in `child` service, over many traces. */
export interface ServiceCall {
  parent: string;
  child: string;
  callCount: number;
  /** Child spans that failed (status ERROR, or HTTP 5xx / client 4xx without a status). */
  errorCount: number;
}

/** The raw material of the dependency graph for traces starting in a window. */
export interface DependencySource {
  calls: ServiceCall[];
  /** CLIENT/PRODUCER spans without children: calls to uninstrumented services, or broken links. */
  leafClients: Span[];
  /** Root (or orphan) SERVER/CONSUMER spans that may have handled those calls in another trace. */
  roots: Span[];
  /** Traces read (the newest `limit` of the window) and traces in the window. */
  traces: number;
  tracesInWindow: number;
}

/** Synchronous, like better-sqlite3 itself. */
export interface AnalysisReader {
  /**
   * Parentless (or orphaned) SERVER/CONSUMER spans of traces starting in [startNs, endNs], except
   * `excludeTraceId`'s; at most `limit`, earliest traces first.
   */
  rootSpansBetween(startNs: Nanos, endNs: Nanos, excludeTraceId: TraceId, limit?: number): Span[];
  /** For at most `limit` traces starting in [startNs, endNs), newest first. */
  dependencyInputs(startNs: Nanos, endNs: Nanos, limit?: number): DependencySource;
}
