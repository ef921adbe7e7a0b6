import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { servicesModel } from './view.js';
import { pageWindow, windowQuerySchema, type WindowQuery } from './window.js';

/**
 * The services page. Default window: all time, like GET /api/stats (query/window.ts says why); a preset or custom
 * window reads the spans of the window.
 */
export async function servicesPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: WindowQuery }>('/services', { schema: { querystring: windowQuerySchema } }, async (req, reply) => {
    const w = pageWindow(req.query, deps.now(), 'stats');
    const model = servicesModel(deps.query.stats(w), w);
    return renderPage(req, reply, { page: 'pages/services', fragment: 'partials/services-body' }, {
      title: 'Services',
      nav: 'services',
      styles: ['/static/services.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...model,
    });
  });
}
