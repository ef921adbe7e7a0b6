import { analyzeTrace, candidateWindow, traceChain } from '../analysis/index.js';
import { buildTree } from '../analysis/tree.js';
import type { ChainResult, TraceAnalysis, TraceTree } from '../analysis/types.js';
import type { AnalysisReader } from '../model/analysis-ports.js';
import type { TraceReader } from '../model/ports.js';
import type { Span, TraceId } from '../model/span.js';

/** One trace with everything the trace page and GET /api/traces/{id}/analysis show. */
export interface AnalysedTrace {
  spans: Span[];
  /** Built once: the analysis reads it and the page renders it. */
  tree: TraceTree;
  /** Root spans of the traces around this one, where the other half of a broken call may be. */
  candidates: Span[];
  analysis: TraceAnalysis;
}

type Readers = { traces: Pick<TraceReader, 'getTrace'>; analysis: Pick<AnalysisReader, 'rootSpansBetween'> };

/** The trace's spans; undefined when unknown (each view words its own 404). */
export function getTrace(traces: Pick<TraceReader, 'getTrace'>, id: TraceId): Span[] | undefined {
  const spans = traces.getTrace(id);
  return spans.length === 0 ? undefined : spans;
}

/** The trace, its tree and the candidates, found the same way for the analysis, the chain check and the page. */
function withCandidates(r: Readers, id: TraceId): { spans: Span[]; tree: TraceTree; candidates: Span[] } | undefined {
  const spans = getTrace(r.traces, id);
  if (!spans) return undefined;
  const { startNs, endNs } = candidateWindow(spans);
  return { spans, tree: buildTree(spans), candidates: r.analysis.rootSpansBetween(startNs, endNs, id) };
}

export function analysedTrace(r: Readers, id: TraceId): AnalysedTrace | undefined {
  const t = withCandidates(r, id);
  return t && { ...t, analysis: analyzeTrace(t.tree, t.candidates) };
}

export function chainOf(r: Readers, id: TraceId, expect: string[]): ChainResult | undefined {
  const t = withCandidates(r, id);
  return t && traceChain(t.tree, t.candidates, expect);
}
