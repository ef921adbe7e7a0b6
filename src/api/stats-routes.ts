import type { FastifyInstance } from 'fastify';
import { SPAN_KIND_NAMES } from '../model/span.js';
import { LATENCY_BUCKET_BOUNDS_NS, type LatencyStats, type OperationStats, type ServiceStats } from '../model/stats-ports.js';
import type { QueryService } from '../query/index.js';
import { minuteWindow, parseWindow } from '../query/window.js';
import { jsonErrorHandler } from './errors.js';
import { nsToMs } from './views.js';

const str = { type: 'string' } as const;

/**
 * GET /api/stats?start=&end=: per service, its requests (entry spans), failed requests, latency percentiles and
 * histogram, plus span and trace counts; per operation, grouped by role (requests served, calls made by whom
 * they called, internal work), the same figures. All time, or the whole minutes the window touches (the store
 * keeps these per minute; `window` says which). The data of the Services page.
 */
export async function statsRoutes(app: FastifyInstance, opts: { query: QueryService; now: () => number }): Promise<void> {
  jsonErrorHandler(app);
  app.get<{ Querystring: { start?: string; end?: string } }>(
    '/stats',
    { schema: { querystring: { type: 'object', properties: { start: str, end: str } } } },
    async (req) => {
      const window = parseWindow({ start: req.query.start, end: req.query.end }, opts.now(), 'stats');
      const minutes = minuteWindow(window);
      return {
        histogramBoundsMs: LATENCY_BUCKET_BOUNDS_NS.map((ns) => nsToMs(ns)),
        window: minutes ? { startTimeUnixNano: String(minutes.startNs), endTimeUnixNano: String(minutes.endNs) } : null,
        services: opts.query.stats(window).map(serviceJson),
      };
    },
  );
}

function serviceJson(s: ServiceStats) {
  const { count, errors, ...latency } = latencyJson(s);
  return {
    name: s.name,
    requests: count,
    errors,
    errorRate: count === 0 ? 0 : errors / count,
    ...latency,
    spanCount: s.spanCount,
    errorSpanCount: s.errorSpanCount,
    traceCount: s.traceCount,
    operations: s.operations.map(operationJson),
  };
}

function operationJson(o: OperationStats) {
  return {
    name: o.name,
    kind: SPAN_KIND_NAMES[o.kind] ?? 'unspecified',
    role: o.role,
    callee: o.callee,
    label: o.label,
    ...latencyJson(o),
  };
}

function latencyJson(s: LatencyStats) {
  return {
    count: s.count,
    errors: s.errors,
    p50Ms: nsToMs(s.p50Ns),
    p95Ms: nsToMs(s.p95Ns),
    p99Ms: nsToMs(s.p99Ns),
    histogram: s.histogram,
  };
}
