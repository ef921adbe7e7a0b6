import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * htmx 4 sends `HX-Request: true` and `HX-Request-Type: partial` when it will swap a fragment into a target;
 * a history restore or a whole-body swap asks for the full page. Everything else gets the full page too.
 */
export function wantsFragment(req: FastifyRequest): boolean {
  return (
    req.headers['hx-request'] === 'true' &&
    req.headers['hx-request-type'] !== 'full' &&
    req.headers['hx-history-restore-request'] === undefined
  );
}

/**
 * The one helper that decides page vs fragment. The fragment is a partial the page template also includes,
 * so both render the same markup from the same view model.
 */
export async function renderPage(
  req: FastifyRequest,
  reply: FastifyReply,
  views: { page: string; fragment?: string },
  model: object,
): Promise<FastifyReply> {
  reply.header('vary', 'HX-Request, HX-Request-Type');
  const template = views.fragment && wantsFragment(req) ? views.fragment : views.page;
  const html = await reply.viewAsync(template, model);
  return reply.type('text/html; charset=utf-8').send(html);
}
