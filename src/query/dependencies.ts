import type { AnalysisReader, DependencyEdge } from '../model/analysis-ports.js';
import type { TimeWindow } from './window.js';

export interface DependencyGraph {
  edges: DependencyEdge[];
  /** Traces that started in the window's minutes; every one of them counts (kept for 0.1 clients, both the same). */
  traces: number;
  tracesInWindow: number;
}

/** `limit` of 0.1 (traces read) is still accepted, and no longer needed: the graph is maintained, not read. */
export const DEFAULT_DEPENDENCY_TRACES = 10_000;
export const MAX_DEPENDENCY_TRACES = 100_000;

/**
 * The service graph of the whole minutes the window touches, as the writer maintains it (store/service-graph.ts):
 * a call with no callee span yet counts as one to an uninstrumented callee only after the grace period, because
 * its callee's spans may still be on the way.
 */
export function dependencyGraph(reader: Pick<AnalysisReader, 'dependencies'>, window: TimeWindow): DependencyGraph {
  const { edges, traces } = reader.dependencies(window.startNs ?? 0n, window.endNs);
  return { edges, traces, tracesInWindow: traces };
}
