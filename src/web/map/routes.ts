import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { pageWindow, windowQuerySchema, type WindowQuery } from '../services/window.js';
import { mapModel } from './view.js';

/**
 * The newest traces of the window the map reads. The graph touches every span of every trace it reads (about
 * 1 s per 2,000 traces of 50 spans, bench/writer.db), so a busy window is sampled, and the page says so.
 */
const MAP_TRACE_LIMIT = 2_000;

/** The service map: the dependency graph of the traces that started in the window (default: the last hour). */
export async function mapPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: WindowQuery }>('/map', { schema: { querystring: windowQuerySchema } }, async (req, reply) => {
    const w = pageWindow(req.query, deps.now(), 'dependencies');
    const graph = deps.query.dependencies(w, MAP_TRACE_LIMIT);
    return renderPage(req, reply, { page: 'pages/map', fragment: 'partials/map-body' }, {
      title: 'Service map',
      nav: 'map',
      styles: ['/static/services.css', '/static/map.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...mapModel(graph.edges, w),
      sampleNote:
        graph.tracesInWindow > graph.traces
          ? `Drawn from the newest ${graph.traces.toLocaleString('en')} of the window's ${graph.tracesInWindow.toLocaleString('en')} traces.`
          : '',
    });
  });
}
