import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';

/** `--auth-token`'s login, handed to the pages by app.ts (the check lives in src/auth/). */
export interface WebLogin {
  /** The Set-Cookie header of a session when `token` is the right one; undefined otherwise. */
  login(token: string, secure: boolean): string | undefined;
  /** The Set-Cookie header that ends a session. */
  logoutCookie: string;
}

/**
 * /login: the form the UI port redirects an unauthenticated page view to. A right token sets an HttpOnly,
 * SameSite=Strict session cookie and goes back where the user was going (`next`, a path on this server only: an
 * absolute or protocol-relative URL would make the form an open redirect). Registered only with `--auth-token`.
 */
export async function loginPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { login, refuseCrossSite } = deps;
  if (!login || !refuseCrossSite) return;
  const views = { page: 'pages/login' };
  const model = (next: string, failed: boolean) => ({ title: 'Log in', nav: '', styles: ['/static/login.css'], next, failed });

  // The form body is parsed by web/plugin.ts (application/x-www-form-urlencoded, 16 KiB at most).
  await app.register(async (sub) => {
    sub.get('/login', { schema: { querystring: { type: 'object', properties: { next: { type: 'string' } } } } }, async (req, reply) =>
      renderPage(req, reply, views, model(safeNext((req.query as { next?: string }).next), false)),
    );

    sub.post('/login', { schema: {} }, async (req, reply) => {
      refuseCrossSite(req);
      const form = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
      const cookie = typeof form.token === 'string' ? login.login(form.token, isHttps(req)) : undefined;
      if (!cookie) {
        reply.code(401);
        return renderPage(req, reply, views, model(next, true));
      }
      return reply.code(303).header('set-cookie', cookie).header('location', next).send();
    });

    sub.post('/logout', { schema: {} }, async (req, reply) => {
      refuseCrossSite(req);
      return reply.code(303).header('set-cookie', login.logoutCookie).header('location', '/login').send();
    });
  });
}

/** A path on this server, or `/`. */
export function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) && !/[\r\n]/.test(next) ? next : '/';
}

function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}
