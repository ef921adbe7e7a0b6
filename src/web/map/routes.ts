import type { FastifyInstance } from 'fastify';
import { DEPENDENCY_GRACE_NS, dependencyEdges } from '../../analysis/dependencies.js';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { parseWindow, windowQuerySchema, type WindowQuery } from '../services/window.js';
import { mapModel } from './view.js';

/**
 * The newest traces of the window the map reads. The graph touches every span of every trace it reads (about
 * 1 s per 2,000 traces of 50 spans, bench/writer.db), so a busy window is sampled, and the page says so.
 */
const MAP_TRACE_LIMIT = 2_000;

/** The service map: the dependency graph of the traces that started in the window (default: the last hour). */
export async function mapPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: WindowQuery }>('/map', { schema: { querystring: windowQuerySchema } }, async (req, reply) => {
    const w = parseWindow(req.query, deps.now(), '1h');
    const src = deps.analysis.dependencyInputs(w.startNs ?? 0n, w.endNs, MAP_TRACE_LIMIT);
    const edges = dependencyEdges({
      calls: src.calls,
      leafClients: src.leafClients,
      candidates: src.roots,
      settledBeforeNs: BigInt(deps.now()) * 1_000_000n - DEPENDENCY_GRACE_NS,
    });
    return renderPage(req, reply, { page: 'pages/map', fragment: 'partials/map-body' }, {
      title: 'Service map',
      nav: 'map',
      styles: ['/static/services.css', '/static/map.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...mapModel(edges, w),
      sampleNote:
        src.tracesInWindow > src.traces
          ? `Drawn from the newest ${src.traces.toLocaleString('en')} of the window's ${src.tracesInWindow.toLocaleString('en')} traces.`
          : '',
    });
  });
}
