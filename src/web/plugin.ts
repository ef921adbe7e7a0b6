import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceImporter } from '../model/import.js';
import type { WebLogin } from './auth/routes.js';
import type { ForwardingStatus } from '../model/forwarding.js';
import type { SamplingStatus } from '../model/sampling-ports.js';
import { httpStatusOf } from '../model/errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { QueryService } from '../query/index.js';
import { wantsFragment } from './render.js';

export interface WebDeps {
  /** Every read a page makes: the same calls the JSON API makes. */
  query: QueryService;
  /** The OTLP/HTTP endpoint for setup snippets, e.g. http://127.0.0.1:4318; known only once listening. */
  otlpEndpoint: () => string;
  /** Epoch ms; injected so "3 min ago" and default time windows are testable. */
  now: () => number;
  /** The upload form's importer (ingest/import/, wired by app.ts); without it /import is not registered. */
  importer?: TraceImporter;
  /** The one cross-site check of routes that change stored data (api/admin-routes.ts), handed in by app.ts. */
  refuseCrossSite?: (req: FastifyRequest) => void;
  /** The tail sampler's counters (the Sampling page); stats() is undefined when sampling is off. */
  sampling?: SamplingStatus;
  /** Clearing the store (the /clear page, as DELETE /api/traces); without it /clear is not registered. */
  admin?: { clear(): Promise<void> };
  /** `--forward`'s counters (shown on the Sampling page); undefined when not forwarding. */
  forwarding?: ForwardingStatus;
  /** `--auth-token`'s login form (/login); undefined when no token is set. */
  login?: WebLogin;
}

/** No inline or third-party scripts; inline style attributes carry computed bar offsets and colours. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HTMX_DIST = path.dirname(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

/** Templates, static files and the HTML error page; pages register their own routes. */
export async function webFoundation(app: FastifyInstance): Promise<void> {
  const eta = new Eta({ views: path.join(PACKAGE_ROOT, 'views'), cache: true, autoEscape: true });
  await app.register(fastifyView, { engine: { eta }, root: path.join(PACKAGE_ROOT, 'views'), viewExt: 'eta' });
  await app.register(fastifyStatic, {
    root: path.join(PACKAGE_ROOT, 'public'),
    prefix: '/static/',
    maxAge: '1h',
  });
  await app.register(fastifyStatic, {
    root: HTMX_DIST,
    prefix: '/static/vendor/',
    decorateReply: false,
    allowedPath: (p) => p === '/htmx.min.js',
    maxAge: '1d',
  });

  // The pages' own forms (/login, /clear) post application/x-www-form-urlencoded, which fastify has no parser for:
  // Chromium sends that type even for a form without fields, so without this /clear's button got a 415.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  // The security headers (this CSP among them) are set on every answer of the port by app.ts (src/auth/headers.ts).

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    const message = status >= 500 ? 'Something went wrong on our side; the details are in the server log.' : err.message;
    // htmx 4 swaps 4xx/5xx responses, so a fragment request gets the error partial in its target.
    const view = wantsFragment(req) ? 'partials/error' : 'pages/error';
    const html = await reply.viewAsync(view, { title: `Error ${status}`, status, message });
    return reply.code(status).header('vary', 'HX-Request, HX-Request-Type').type('text/html; charset=utf-8').send(html);
  });
}
