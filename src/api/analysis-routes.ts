import type { FastifyInstance } from 'fastify';
import { DEPENDENCY_GRACE_NS, dependencyEdges } from '../analysis/dependencies.js';
import { analyzeTrace, candidateWindow, traceChain } from '../analysis/index.js';
import type { AnalysisReader } from '../model/analysis-ports.js';
import { InvalidInputError, NotFoundError } from '../model/errors.js';
import { parseTraceId } from '../model/ids.js';
import type { TraceReader } from '../model/ports.js';
import type { Span, TraceId } from '../model/span.js';
import { jsonErrorHandler } from './errors.js';
import { parseLimit, parseTime } from './params.js';

const str = { type: 'string' } as const;
const traceParams = { type: 'object', properties: { traceId: str }, required: ['traceId'] } as const;

const HOUR_NS = 3_600_000_000_000n;

/**
 * Trace analysis, chain checks and the dependency graph, under the /api prefix. apiRoutes owns the prefix's
 * not-found handler, so this plugin sets only the error handler.
 */
export async function analysisRoutes(
  app: FastifyInstance,
  opts: { reader: TraceReader; analysis: AnalysisReader; now: () => number },
): Promise<void> {
  const { reader, analysis } = opts;
  jsonErrorHandler(app);

  /** The trace's spans and the root spans of the traces around it; 404 for an unknown trace. */
  const traceWithCandidates = (id: TraceId): { spans: Span[]; candidates: Span[] } => {
    const spans = reader.getTrace(id);
    if (spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
    const { startNs, endNs } = candidateWindow(spans);
    const candidates = analysis.rootSpansBetween(startNs, endNs, id);
    return { spans, candidates };
  };

  app.get<{ Params: { traceId: string } }>('/traces/:traceId/analysis', { schema: { params: traceParams } }, async (req) => {
    const { spans, candidates } = traceWithCandidates(parseTraceId(req.params.traceId));
    return analyzeTrace(spans, candidates);
  });

  app.get<{ Params: { traceId: string }; Querystring: { expect?: string } }>(
    '/traces/:traceId/chain',
    { schema: { params: traceParams, querystring: { type: 'object', properties: { expect: str } } } },
    async (req) => {
      const id = parseTraceId(req.params.traceId);
      const expect = parseServiceList(req.query.expect, 'expect');
      const { spans, candidates } = traceWithCandidates(id);
      return traceChain(spans, candidates, expect);
    },
  );

  app.get<{ Querystring: { start?: string; end?: string; limit?: string } }>(
    '/dependencies',
    { schema: { querystring: { type: 'object', properties: { start: str, end: str, limit: str } } } },
    async (req) => {
      const { startNs, endNs } = parseWindow(req.query.start, req.query.end, BigInt(opts.now()) * 1_000_000n);
      const limit = parseLimit(req.query.limit, 'limit', 10_000, 100_000);
      const src = analysis.dependencyInputs(startNs, endNs, limit);
      const settledBeforeNs = BigInt(opts.now()) * 1_000_000n - DEPENDENCY_GRACE_NS;
      const edges = dependencyEdges({ calls: src.calls, leafClients: src.leafClients, candidates: src.roots, settledBeforeNs });
      return { edges, traces: src.traces, tracesInWindow: src.tracesInWindow };
    },
  );
}

/** `a,b,c` → ['a', 'b', 'c']; blanks around names are dropped. */
export function parseServiceList(text: string | undefined, param: string): string[] {
  const names = (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) {
    throw new InvalidInputError(`${param} must list the expected services in order, e.g. ${param}=frontend,checkout`, param);
  }
  return names;
}

/** Defaults: the hour ending now, or the hour ending at `end`, or from `start` to now. */
export function parseWindow(start: string | undefined, end: string | undefined, nowNs: bigint): { startNs: bigint; endNs: bigint } {
  const endNs = end !== undefined && end !== '' ? parseTime(end, 'end') : nowNs;
  const startNs = start !== undefined && start !== '' ? parseTime(start, 'start') : endNs - HOUR_NS;
  if (endNs < startNs) throw new InvalidInputError('end must not be before start', 'end');
  return { startNs, endNs };
}
