import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../model/errors.js';
import { jsonErrorHandler } from './errors.js';

/** What the routes that change stored data may do. */
export interface StoreAdmin {
  /** Deletes every trace and everything derived from them. */
  clear(): Promise<void>;
}

/**
 * A page on another site must not be able to delete a developer's traces through their browser: a request
 * carrying an Origin other than this server's own, or a Sec-Fetch-Site other than same-origin (browsers send it
 * on every request), is refused. curl and scripts send neither and are let through.
 */
export function refuseCrossSite(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError(`refused: a ${site} request may not change stored data (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.headers.origin;
  // The pages send Referrer-Policy: no-referrer, under which Chromium posts their forms with `Origin: null`; their
  // Sec-Fetch-Site (which no page can set) still says same-origin, and that is the check that matters.
  if (origin === 'null' && site === 'same-origin') return;
  if (origin !== undefined && origin !== `${req.protocol}://${req.headers.host ?? ''}`) {
    throw new ForbiddenError(`refused: a request from ${origin} may not change stored data on this server`);
  }
}

/** DELETE /api/traces: clears the store. */
export async function adminRoutes(app: FastifyInstance, opts: { admin: StoreAdmin }): Promise<void> {
  jsonErrorHandler(app);
  app.delete('/traces', { schema: {} }, async (req) => {
    refuseCrossSite(req);
    await opts.admin.clear();
    return { cleared: true };
  });
}
