import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ImportBody, type ImportResult, MAX_IMPORT_BODY_BYTES, type TraceImporter } from '../model/import.js';
import { refuseCrossSite } from './admin-routes.js';
import { jsonErrorHandler } from './errors.js';

const IMPORT_BODY_LIMIT = MAX_IMPORT_BODY_BYTES;

/** The raw body whatever its type (the importer decides by content), up to the import limit. */
export function rawImportBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));
}

export function importBodyOf(req: FastifyRequest): ImportBody {
  return {
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    contentType: req.headers['content-type'] ?? '',
    contentEncoding: String(req.headers['content-encoding'] ?? ''),
  };
}

/**
 * POST /api/import: a trace file (OTLP JSON, the Collector's NDJSON, a Jaeger UI download, Zipkin v2 JSON) as
 * the raw body or the `file` field of a form, stored as if received over OTLP. It writes to the store, so a
 * cross-site browser post is refused as for DELETE /api/traces; curl and the UI's own form are let through.
 */
export async function importRoutes(app: FastifyInstance, opts: { importer: TraceImporter }): Promise<void> {
  jsonErrorHandler(app);
  rawImportBodies(app);
  app.post('/import', { schema: {}, bodyLimit: IMPORT_BODY_LIMIT }, async (req) => {
    refuseCrossSite(req);
    return importJson(await opts.importer.importBody(importBodyOf(req)));
  });
}

/** The contract's answer: format, spans, traces, rejectedSpans, rejected (+ skippedLines, traceIds). */
export function importJson(r: ImportResult): object {
  return {
    format: r.format,
    spans: r.spans,
    traces: r.traces,
    rejectedSpans: r.rejectedSpans,
    rejected: r.rejected,
    ...(r.skippedLines !== undefined ? { skippedLines: r.skippedLines } : {}),
    traceIds: r.traceIds,
  };
}
