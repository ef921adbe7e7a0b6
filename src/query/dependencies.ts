import { DEPENDENCY_GRACE_NS, dependencyEdges } from '../analysis/dependencies.js';
import type { DependencyEdge } from '../analysis/types.js';
import type { AnalysisReader } from '../model/analysis-ports.js';
import type { TimeWindow } from './window.js';

export interface DependencyGraph {
  edges: DependencyEdge[];
  /** Traces read (the newest `limit` of the window) and traces in the window. */
  traces: number;
  tracesInWindow: number;
}

/** Traces /api/dependencies reads by default, and at most. */
export const DEFAULT_DEPENDENCY_TRACES = 10_000;
export const MAX_DEPENDENCY_TRACES = 100_000;

/**
 * The service graph of the newest `limit` traces starting in the window, with the grace period: a leaf call with
 * no callee found counts as an uninstrumented callee only once it ended DEPENDENCY_GRACE_NS before now.
 */
export function dependencyGraph(
  reader: Pick<AnalysisReader, 'dependencyInputs'>,
  window: TimeWindow,
  limit: number,
  nowMs: number,
): DependencyGraph {
  const src = reader.dependencyInputs(window.startNs ?? 0n, window.endNs, limit);
  const settledBeforeNs = BigInt(Math.floor(nowMs)) * 1_000_000n - DEPENDENCY_GRACE_NS;
  const edges = dependencyEdges({ calls: src.calls, leafClients: src.leafClients, candidates: src.roots, settledBeforeNs });
  return { edges, traces: src.traces, tracesInWindow: src.tracesInWindow };
}
