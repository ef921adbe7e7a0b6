import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer of a port — pages, fragments, JSON, static files, errors and 404s alike: added
 * on the root instance before any route, so each plugin's context inherits the hook. The CSP (web/plugin.ts owns
 * its text) forbids inline script; `frame-ancestors 'none'` and `X-Frame-Options: DENY` (for browsers without
 * CSP level 2) keep the UI out of another site's frames.
 */
export function securityHeaders(app: FastifyInstance, contentSecurityPolicy: string): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', contentSecurityPolicy);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });
}
