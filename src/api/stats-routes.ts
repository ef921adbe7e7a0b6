import type { FastifyInstance } from 'fastify';
import { SPAN_KIND_NAMES } from '../model/span.js';
import { LATENCY_BUCKET_BOUNDS_NS, type LatencyStats } from '../model/stats-ports.js';
import type { QueryService } from '../query/index.js';
import { parseWindow } from '../query/window.js';
import { jsonErrorHandler } from './errors.js';
import { nsToMs } from './views.js';

const str = { type: 'string' } as const;

/**
 * GET /api/stats?start=&end=: requests, errors, p50/p95/p99 and a latency histogram per service and operation,
 * over spans starting in the window, or all time without one. The data of the Services page.
 */
export async function statsRoutes(app: FastifyInstance, opts: { query: QueryService; now: () => number }): Promise<void> {
  jsonErrorHandler(app);
  app.get<{ Querystring: { start?: string; end?: string } }>(
    '/stats',
    { schema: { querystring: { type: 'object', properties: { start: str, end: str } } } },
    async (req) => {
      const window = parseWindow({ start: req.query.start, end: req.query.end }, opts.now(), 'stats');
      const services = opts.query.stats(window);
      // The store answers every window from its per-minute tables (migration 003): no spans are read and no
      // service is capped. The keys stay as they were until the response is reshaped for the new statistics.
      return {
        histogramBoundsMs: LATENCY_BUCKET_BOUNDS_NS.map((ns) => nsToMs(ns)),
        spansRead: 0,
        services: services.map((s) => ({
          name: s.name,
          ...latencyJson(s),
          capped: false,
          operations: s.operations.map((o) => ({ name: o.name, kind: SPAN_KIND_NAMES[o.kind] ?? 'unspecified', ...latencyJson(o) })),
        })),
      };
    },
  );
}

function latencyJson(s: LatencyStats) {
  return {
    requests: s.count,
    errors: s.errors,
    p50Ms: nsToMs(s.p50Ns),
    p95Ms: nsToMs(s.p95Ns),
    p99Ms: nsToMs(s.p99Ns),
    histogram: s.histogram,
  };
}
