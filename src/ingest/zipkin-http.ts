import type { FastifyInstance } from 'fastify';
import {
  httpStatusOf,
  InvalidInputError,
  OverloadedError,
  UnsupportedMediaTypeError,
} from '../model/errors.js';
import type { SpanSink } from '../model/ports.js';
import { MAX_BODY_BYTES } from './otlp-http.js';
import { withinSpanLimit } from './decoded.js';
import { decodeZipkinJson } from './zipkin-json.js';
import { decodeZipkinProto } from './zipkin-proto.js';
import { corsHeaders, decompress } from './http-body.js';


export interface ZipkinHttpOptions {
  sink: SpanSink;
  corsOrigins: readonly string[];
  maxBodyBytes?: number;
  /** String and bytes attribute values longer are cut and marked (0 = no limit). */
  maxAttributeLength?: number;
}

/**
 * The Zipkin port (9411): `POST /api/v2/spans`, a list of v2 spans as JSON or proto3 `ListOfSpans`
 * (optionally gzip, as Brave and the Zipkin reporters send it), answered 202 once its spans are committed, like
 * Zipkin's own collector. Errors are plain text, as Zipkin's server writes them: 400 malformed (nothing
 * stored), 413 beyond the OTLP/HTTP limit after decompression, 415 another type, 503 + Retry-After when the
 * queue is full.
 */
export async function zipkinHttpRoutes(app: FastifyInstance, opts: ZipkinHttpOptions): Promise<void> {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500 && !(err instanceof OverloadedError)) req.log.error(err);
    if (err instanceof OverloadedError) reply.header('retry-after', String(err.retryAfterSeconds));
    const message = status >= 500 && !(err instanceof OverloadedError) ? 'internal error' : err.message;
    reply.code(status).type('text/plain; charset=utf-8').send(message + '\n');
  });

  app.options('/api/v2/spans', (req, reply) => {
    corsHeaders(req, reply, opts.corsOrigins);
    reply
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, content-encoding')
      .header('access-control-max-age', '7200')
      .code(204)
      .send();
  });

  app.post('/api/v2/spans', async (req, reply) => {
    corsHeaders(req, reply, opts.corsOrigins);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const proto = type === 'application/x-protobuf' || type === 'application/protobuf';
    // Zipkin's collector reads a body without a type as JSON; curl -d sends form-urlencoded, taken as JSON too.
    if (!proto && type !== '' && type !== 'application/json' && type !== 'application/x-www-form-urlencoded') {
      throw new UnsupportedMediaTypeError(`unsupported Content-Type "${type}": send application/json or application/x-protobuf (Zipkin v2)`);
    }
    const body = await decompress(req, limit);
    const decoded = withinSpanLimit(proto ? decodeZipkinProto(body, opts.maxAttributeLength) : decodeZipkinJson(body, opts.maxAttributeLength));
    await opts.sink.consume(decoded);
    return reply.code(202).send();
  });

  // v1 (Thrift or JSON with binaryAnnotations) is a different model; a 4xx so the reporter stops retrying.
  app.post('/api/v1/spans', async () => {
    throw new InvalidInputError('Zipkin API v1 is not supported: send the v2 span model to POST /api/v2/spans');
  });
}


