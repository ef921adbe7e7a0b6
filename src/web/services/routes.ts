import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { servicesModel } from './view.js';
import { parseWindow, windowQuerySchema, type WindowQuery } from './window.js';

/**
 * The services page. Default window: all time, because the maintained per-operation sketches answer it
 * instantly and it is never empty while there is data; a preset or custom window reads the spans of the window.
 */
export async function servicesPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: WindowQuery }>('/services', { schema: { querystring: windowQuerySchema } }, async (req, reply) => {
    const w = parseWindow(req.query, deps.now(), 'all');
    const result = deps.stats.serviceStats(w.startNs === undefined ? undefined : { startNs: w.startNs, endNs: w.endNs });
    const model = servicesModel(result, w);
    return renderPage(req, reply, { page: 'pages/services', fragment: 'partials/services-body' }, {
      title: 'Services',
      nav: 'services',
      styles: ['/static/services.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...model,
    });
  });
}
