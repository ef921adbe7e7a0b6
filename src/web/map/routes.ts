import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { pageWindow, windowQuerySchema, type WindowQuery } from '../services/window.js';
import { mapModel } from './view.js';

/** The service map: the maintained dependency graph of the window's minutes (default: the last hour). */
export async function mapPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: WindowQuery }>('/map', { schema: { querystring: windowQuerySchema } }, async (req, reply) => {
    const w = pageWindow(req.query, deps.now(), 'dependencies');
    const graph = deps.query.dependencies(w);
    return renderPage(req, reply, { page: 'pages/map', fragment: 'partials/map-body' }, {
      title: 'Service map',
      nav: 'map',
      styles: ['/static/services.css', '/static/map.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...mapModel(graph.edges, w),
    });
  });
}
