import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { forwardingModel, samplingModel } from './view.js';

/**
 * /sampling: the tail sampler live — the policy, its counters per rule, the buffer (the body refreshes itself every
 * 2 s with htmx; without JavaScript a reload does the same). With sampling off: what head and tail sampling are,
 * what the starter policy keeps, and how to turn it on. Forwarding's counters (--forward) below either.
 */
export async function samplingPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/sampling', { schema: {} }, async (req, reply) =>
    renderPage(req, reply, { page: 'pages/sampling', fragment: 'partials/sampling-body' }, {
      title: 'Sampling',
      nav: 'sampling',
      styles: ['/static/sampling.css'],
      origin: `${req.protocol}://${req.headers.host}`,
      ...samplingModel(deps.sampling?.stats()),
      forwarding: forwardingModel(deps.forwarding?.stats()),
    }),
  );
}
