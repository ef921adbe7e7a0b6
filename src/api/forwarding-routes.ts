import type { FastifyInstance } from 'fastify';
import { FORWARDING_OFF, type ForwardingStatus } from '../model/forwarding.js';
import { jsonErrorHandler } from './errors.js';

/**
 * GET /api/forwarding: whether kept spans go upstream (`--forward`), where (without credentials), the queue
 * and the counters of what was sent, retried and dropped (by reason), the last error and the last success.
 */
export async function forwardingRoutes(app: FastifyInstance, opts: { forwarding?: ForwardingStatus }): Promise<void> {
  jsonErrorHandler(app);
  app.get('/forwarding', async () => opts.forwarding?.stats() ?? FORWARDING_OFF);
}
