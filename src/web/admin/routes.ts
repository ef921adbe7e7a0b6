import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';

/**
 * /clear: deleting every stored trace from the UI — a page that says what goes, and a POST form (no JavaScript
 * needed) behind the same cross-site check as DELETE /api/traces, so no other site's page can submit it.
 */
export async function clearPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { admin, refuseCrossSite } = deps;
  if (!admin || !refuseCrossSite) return;
  const views = { page: 'pages/clear', fragment: 'partials/clear-body' };
  const base = { title: 'Delete all traces', nav: '', styles: [] as string[] };

  app.get('/clear', { schema: {} }, async (req, reply) =>
    renderPage(req, reply, views, { ...base, origin: `${req.protocol}://${req.headers.host}`, cleared: false }),
  );

  app.post('/clear', { schema: {} }, async (req, reply) => {
    refuseCrossSite(req);
    await admin.clear();
    return renderPage(req, reply, views, { ...base, title: 'All traces deleted', origin: `${req.protocol}://${req.headers.host}`, cleared: true });
  });
}
