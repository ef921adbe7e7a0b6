import type { Span } from '../model/span.js';
import { checkChain } from './chain.js';
import { findFanOuts } from './fanout.js';
import { findPropagationProblems } from './propagation.js';
import { findRootCause } from './rootcause.js';
import { timeAnalysis } from './time.js';
import type { BrokenLink, ChainResult, Propagation, ServiceTime, TraceAnalysis, TraceTree, Warning } from './types.js';

/**
 * Everything GET /api/traces/{id}/analysis answers, from one trace's tree (`buildTree(spans)`, built once by
 * the caller, who usually renders it too) and the root spans of the traces around it (for broken-propagation
 * matching).
 */
export function analyzeTrace(tree: TraceTree, candidates: readonly Span[]): TraceAnalysis {
  const { durationMs, timeByService, selfTimeMs, criticalPath } = timeAnalysis(tree);
  const propagation = findPropagationProblems(tree, candidates);
  return {
    traceId: tree.spans[0]?.traceId ?? '',
    durationMs,
    timeByService: namedByBrokenLinks(timeByService, propagation.brokenLinks),
    selfTimeMs,
    criticalPath,
    fanOut: findFanOuts(tree),
    rootCause: findRootCause(tree),
    propagation,
    warnings: withOrphanWarnings(tree.warnings, propagation),
  };
}

/** Does the trace pass through `expect` in order? Broken links explain where it stops. */
export function traceChain(tree: TraceTree, candidates: readonly Span[], expect: string[]): ChainResult {
  return checkChain(tree, expect, findPropagationProblems(tree, candidates).brokenLinks);
}

/** Neighbouring traces this far around a trace are searched for the other half of a broken call. */
const CANDIDATE_MARGIN_NS = 1_000_000_000n;

/** The window whose root spans may have answered this trace's calls in a trace of their own. */
const MAX_INT64 = 2n ** 63n - 1n;

export function candidateWindow(spans: readonly Span[]): { startNs: bigint; endNs: bigint } {
  const { startNs, endNs } = traceWindow(spans);
  // Clamped to what SQLite's signed 64-bit INTEGER binds: a span may end as late as 2^63−1 ns (ingest/validate.ts).
  const end = endNs + CANDIDATE_MARGIN_NS;
  return { startNs: startNs - CANDIDATE_MARGIN_NS, endNs: end > MAX_INT64 ? MAX_INT64 : end };
}

/** [earliest start, latest end] of the spans: the window whose neighbouring traces are candidates. */
export function traceWindow(spans: readonly Span[]): { startNs: bigint; endNs: bigint } {
  let startNs = spans[0]?.startTimeUnixNano ?? 0n;
  let endNs = spans[0]?.endTimeUnixNano ?? 0n;
  for (const s of spans) {
    if (s.startTimeUnixNano < startNs) startNs = s.startTimeUnixNano;
    if (s.endTimeUnixNano > endNs) endNs = s.endTimeUnixNano;
  }
  return { startNs, endNs };
}

/**
 * A leaf call's time goes to its target address ("127.0.0.1:3003", not instrumented) until a broken link
 * shows which instrumented service answered it in another trace: then the time is that service's.
 */
function namedByBrokenLinks(times: ServiceTime[], links: readonly BrokenLink[]): ServiceTime[] {
  const serviceOf = new Map(links.map((l) => [l.target, l.toService]));
  if (serviceOf.size === 0) return times;
  const merged = new Map<string, ServiceTime>();
  for (const t of times) {
    const renamed = !t.instrumented ? serviceOf.get(t.service) : undefined;
    const entry = renamed ? { ...t, service: renamed, instrumented: true } : t;
    const prev = merged.get(entry.service);
    merged.set(
      entry.service,
      prev ? { ...prev, selfMs: prev.selfMs + entry.selfMs, share: prev.share + entry.share, instrumented: true } : entry,
    );
  }
  return [...merged.values()].sort((a, b) => b.selfMs - a.selfMs || a.service.localeCompare(b.service));
}

/** The tree already warns about most orphans; add one for any it did not, so the warnings list is complete. */
function withOrphanWarnings(warnings: Warning[], propagation: Propagation): Warning[] {
  const warned = new Set(warnings.filter((w) => w.kind === 'orphan').map((w) => w.spanId));
  const extra = propagation.orphans
    .filter((o) => !warned.has(o.spanId))
    .map((o): Warning => ({ kind: 'orphan', spanId: o.spanId, message: o.message }));
  return [...warnings, ...extra];
}
