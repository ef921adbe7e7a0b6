import type { FastifyError, FastifyInstance } from 'fastify';
import { httpStatusOf } from '../../model/errors.js';

/**
 * Errors under /tempo as Tempo writes them: the status from `httpStatusOf`, the message as plain text (Grafana's
 * data source shows a Tempo error body as it is; a JSON object would show as `[object Object]`).
 */
export function tempoErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    reply.code(status).type('text/plain; charset=utf-8').send(status >= 500 ? 'internal error' : err.message);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('text/plain; charset=utf-8').send(`no route for ${req.method} ${req.url.split('?')[0]}`);
  });
}
