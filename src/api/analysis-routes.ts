import type { FastifyInstance } from 'fastify';
import { traceStats } from '../analysis/trace-stats.js';
import { NotFoundError } from '../model/errors.js';
import { parseTraceId } from '../model/ids.js';
import type { TraceId } from '../model/span.js';
import { DEFAULT_DEPENDENCY_TRACES, MAX_DEPENDENCY_TRACES } from '../query/dependencies.js';
import type { QueryService } from '../query/index.js';
import { parseLimit, parseServiceList } from '../query/params.js';
import { parseWindow } from '../query/window.js';
import { jsonErrorHandler } from './errors.js';

const str = { type: 'string' } as const;
const traceParams = { type: 'object', properties: { traceId: str }, required: ['traceId'] } as const;

/**
 * Trace analysis, chain checks and the dependency graph, under the /api prefix. apiRoutes owns the prefix's
 * not-found handler, so this plugin sets only the error handler.
 */
export async function analysisRoutes(app: FastifyInstance, opts: { query: QueryService; now: () => number }): Promise<void> {
  const { query } = opts;
  jsonErrorHandler(app);
  const notFound = (id: TraceId) => new NotFoundError(`trace ${id} not found`);

  app.get<{ Params: { traceId: string } }>('/traces/:traceId/analysis', { schema: { params: traceParams } }, async (req) => {
    const id = parseTraceId(req.params.traceId);
    const trace = query.analysedTrace(id);
    if (!trace) throw notFound(id);
    // `statistics`: the trace page's Statistics tab, from these same self times and critical path.
    return { ...trace.analysis, statistics: traceStats(trace.tree, trace.analysis) };
  });

  app.get<{ Params: { traceId: string }; Querystring: { expect?: string } }>(
    '/traces/:traceId/chain',
    { schema: { params: traceParams, querystring: { type: 'object', properties: { expect: str } } } },
    async (req) => {
      const id = parseTraceId(req.params.traceId);
      const chain = query.chain(id, parseServiceList(req.query.expect, 'expect'));
      if (!chain) throw notFound(id);
      return chain;
    },
  );

  app.get<{ Querystring: { start?: string; end?: string; limit?: string } }>(
    '/dependencies',
    { schema: { querystring: { type: 'object', properties: { start: str, end: str, limit: str } } } },
    async (req) => {
      const window = parseWindow({ start: req.query.start, end: req.query.end }, opts.now(), 'dependencies');
      // `limit` (traces read, 0.1) is still validated, so old scripts get the same 400s; the graph needs no limit.
      parseLimit(req.query.limit, 'limit', DEFAULT_DEPENDENCY_TRACES, MAX_DEPENDENCY_TRACES);
      return query.dependencies(window);
    },
  );
}
