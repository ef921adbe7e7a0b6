import type { ServiceCall } from '../model/analysis-ports.js';
import type { Span } from '../model/span.js';
import { DEFAULT_SKEW_NS, indexCandidates, matchCallee } from './callee-match.js';
import { callTarget, isError } from './semconv.js';
import type { DependencyEdge } from './types.js';

/** Plain data for the service dependency graph, as the store aggregates it for a time window. */
export interface DependencyInput {
  /** parent service → child service counts of spans whose parent span is in another service. */
  calls: readonly ServiceCall[];
  /** CLIENT/PRODUCER spans without children, from any trace of the window. */
  leafClients: readonly Span[];
  /** Root (or orphan) SERVER/CONSUMER spans that may have handled those calls in another trace. */
  candidates: readonly Span[];
  skewNs?: bigint;
  /**
   * Leaf calls ending after this with no callee found are left out: the callee's spans may still be on the way
   * (SDKs export every few seconds), and counting them now would draw phantom uninstrumented callees
   * (reference §4: grace period). A call matched to a callee in another trace is broken whenever it ended.
   */
  settledBeforeNs?: bigint;
}

/**
 * How long after a call ends before a missing callee span means something: the SDKs' batch span processor
 * exports every 5 s by default, so 6 s covers a callee's span on its way; longer would hide a real
 * uninstrumented callee from a map opened just after traffic starts.
 */
export const DEPENDENCY_GRACE_NS = 6_000_000_000n;

/**
 * Service → service edges across traces: direct calls (instrumented on both sides), calls to services known only
 * from their callers' CLIENT spans (instrumented false), and calls that continued in another trace (broken true).
 * A pair can have a normal and a broken edge at once: some calls kept the trace, some lost it; keeping them
 * apart shows how often. Sorted by parent, child, then normal before broken.
 */
export function dependencyEdges(input: DependencyInput): DependencyEdge[] {
  const edges = new Map<string, DependencyEdge>();
  const add = (parent: string, child: string, kind: { instrumented: boolean; broken: boolean }, calls: number, errors: number) => {
    const key = JSON.stringify([parent, child, kind.instrumented, kind.broken]);
    let edge = edges.get(key);
    if (!edge) {
      edge = { parent, child, callCount: 0, errorCount: 0, ...kind };
      edges.set(key, edge);
    }
    edge.callCount += calls;
    edge.errorCount += errors;
  };
  for (const c of input.calls) add(c.parent, c.child, { instrumented: true, broken: false }, c.callCount, c.errorCount);

  const index = indexCandidates(input.candidates);
  // Start order, as in the per-trace check, so both give a shared callee to the same (earliest) client.
  const settled = input.settledBeforeNs;
  const clients = [...input.leafClients].sort((a, b) => cmpBig(a.startTimeUnixNano, b.startTimeUnixNano));
  for (const client of clients) {
    const match = matchCallee(client, index, input.skewNs ?? DEFAULT_SKEW_NS);
    if (match) {
      add(client.service, match.callee.service, { instrumented: true, broken: true }, 1, isError(match.callee) ? 1 : 0);
      continue;
    }
    // No callee found yet: too early to call it uninstrumented while its spans may still be on the way.
    if (settled !== undefined && client.endTimeUnixNano > settled) continue;
    const target = callTarget(client);
    // The client span is all we know of an uninstrumented callee, so its failure stands for the callee's.
    if (target) add(client.service, target.label, { instrumented: false, broken: false }, 1, isError(client) ? 1 : 0);
  }
  return [...edges.values()].sort(byEdge);
}

function byEdge(a: DependencyEdge, b: DependencyEdge): number {
  return cmpStr(a.parent, b.parent) || cmpStr(a.child, b.child) || Number(a.broken) - Number(b.broken) ||
    Number(b.instrumented) - Number(a.instrumented);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
