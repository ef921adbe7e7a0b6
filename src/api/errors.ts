import type { FastifyError, FastifyInstance } from 'fastify';
import { httpStatusOf, OverloadedError } from '../model/errors.js';

/** The JSON API's errors: `{ "error": message }` with the status `httpStatusOf` (model/errors.ts) gives. */
export function jsonErrors(app: FastifyInstance): void {
  jsonErrorHandler(app);
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
}

/**
 * The error handler alone, for route plugins that share a prefix with one that already set the not-found
 * handler (fastify allows one per prefix).
 */
export function jsonErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    // Schema failures name the parameter ("querystring/limit must be string"); keep that, drop the prefix.
    const message = status >= 500 ? 'internal error' : err.validation ? schemaMessage(err) : err.message;
    if (err instanceof OverloadedError) reply.header('retry-after', String(err.retryAfterSeconds));
    reply.code(status).send({ error: message });
  });
}

function schemaMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (!v) return err.message;
  const name = v.instancePath.replace(/^\//, '') || (v.params as { missingProperty?: string }).missingProperty || '';
  return `${name || err.validationContext || 'request'} ${v.message ?? 'is invalid'}`.trim();
}
