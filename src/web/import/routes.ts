import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpStatusOf } from '../../model/errors.js';
import { type ImportResult, MAX_IMPORT_BODY_BYTES, MAX_IMPORT_BYTES } from '../../model/import.js';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { importResultView } from './view.js';

const BODY_LIMIT = MAX_IMPORT_BODY_BYTES;

/**
 * /import: the upload form (a plain multipart POST, no JavaScript needed) and its result, through the same
 * importer as POST /api/import. A file the importer refuses shows the form again with the reason and the status.
 */
export async function importPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { importer, refuseCrossSite } = deps;
  if (!importer || !refuseCrossSite) return;
  const views = { page: 'pages/import', fragment: 'partials/import-body' };
  const base = (req: FastifyRequest) => ({
    title: 'Import traces',
    nav: 'import',
    styles: ['/static/import.css'],
    origin: `${req.protocol}://${req.headers.host}`,
    maxMiB: MAX_IMPORT_BYTES / 1024 / 1024,
  });

  app.get('/import', { schema: {} }, async (req, reply) => renderPage(req, reply, views, { ...base(req), result: null, error: null }));

  // Its own context: only this route reads raw bodies, up to the import limit.
  await app.register(async (sub) => {
    sub.removeAllContentTypeParsers();
    sub.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    sub.post('/import', { schema: {}, bodyLimit: BODY_LIMIT }, async (req, reply) => {
      refuseCrossSite(req);
      let result: ImportResult;
      try {
        result = await importer.importBody({
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          contentType: req.headers['content-type'] ?? '',
          contentEncoding: String(req.headers['content-encoding'] ?? ''),
        });
      } catch (err) {
        const status = httpStatusOf(err);
        if (status >= 500) throw err;
        reply.code(status);
        return renderPage(req, reply, views, { ...base(req), result: null, error: { status, message: (err as Error).message } });
      }
      return renderPage(req, reply, views, { ...base(req), title: 'Imported', result: importResultView(result), error: null });
    });
  });
}
