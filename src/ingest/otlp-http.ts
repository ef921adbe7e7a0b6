import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  httpStatusOf,
  OverloadedError,
  UnsupportedMediaTypeError,
} from '../model/errors.js';
import type { SpanSink } from '../model/ports.js';
import type { DecodedRequest } from '../model/encoded.js';
import { withinSpanLimit } from './decoded.js';
import { decodeJsonRequest } from './otlp-json.js';
import { decodeProtobufRequest } from './otlp-proto.js';
import { exportResponseJson, exportResponseProtobuf, statusJson, statusProtobuf } from './otlp-response.js';
import { corsHeaders, decompress } from './http-body.js';

/** The spec's recommended limit, applied to the body after decompression (reference §1.1). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;


type Encoding = 'protobuf' | 'json';

export interface OtlpHttpOptions {
  sink: SpanSink;
  corsOrigins: readonly string[];
  maxBodyBytes?: number;
  /** String and bytes attribute values longer are cut and marked (0 = no limit). */
  maxAttributeLength?: number;
}

/** POST /v1/traces (OTLP/HTTP, protobuf or JSON, optionally gzip), its CORS preflight, and no-op metrics/logs. */
export async function otlpHttpRoutes(app: FastifyInstance, opts: OtlpHttpOptions): Promise<void> {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  // Our own parsing: the raw bytes, whatever the type, so a wrong type is a 415 in OTLP's own format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    const message = status >= 500 && !(err instanceof OverloadedError) ? 'internal error' : err.message;
    if (err instanceof OverloadedError) reply.header('retry-after', String(err.retryAfterSeconds));
    sendStatus(reply, encodingOf(req) ?? 'json', status, message);
  });

  for (const signal of ['traces', 'metrics', 'logs']) {
    app.options(`/v1/${signal}`, (req, reply) => {
      corsHeaders(req, reply, opts.corsOrigins);
      reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, content-encoding')
        .header('access-control-max-age', '7200')
        .code(204)
        .send();
    });
  }

  app.post('/v1/traces', async (req, reply) => {
    const { encoding, body } = await readBody(req, reply, opts.corsOrigins, limit);
    const decoded: DecodedRequest = withinSpanLimit(
      encoding === 'protobuf' ? decodeProtobufRequest(body, opts.maxAttributeLength) : decodeJsonRequest(body, opts.maxAttributeLength),
    );
    await opts.sink.consume(decoded);
    return sendExportResponse(reply, encoding, decoded.rejected, decoded.rejectionMessage);
  });

  // The Node SDK exports metrics and logs by default too; tracelite keeps traces only, and answers these with
  // success (after the same type and size checks) so a default setup logs no export errors.
  for (const signal of ['metrics', 'logs']) {
    app.post(`/v1/${signal}`, async (req, reply) => {
      const { encoding } = await readBody(req, reply, opts.corsOrigins, limit);
      return sendExportResponse(reply, encoding, 0, '');
    });
  }
}

async function readBody(
  req: FastifyRequest,
  reply: FastifyReply,
  origins: readonly string[],
  limit: number,
): Promise<{ encoding: Encoding; body: Buffer }> {
  corsHeaders(req, reply, origins);
  const encoding = encodingOf(req);
  if (!encoding) {
    throw new UnsupportedMediaTypeError(
      `unsupported Content-Type "${req.headers['content-type'] ?? ''}": send application/x-protobuf or application/json`,
    );
  }
  return { encoding, body: await decompress(req, limit) };
}

function sendExportResponse(reply: FastifyReply, encoding: Encoding, rejected: number, message: string): FastifyReply {
  reply.code(200);
  if (encoding === 'protobuf') {
    return reply.type('application/x-protobuf').send(exportResponseProtobuf(rejected, message));
  }
  return reply.type('application/json').send(exportResponseJson(rejected, message));
}

function encodingOf(req: FastifyRequest): Encoding | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}


/** Every 4xx/5xx carries a google.rpc.Status in the request's encoding (reference §1.2). */
function sendStatus(reply: FastifyReply, encoding: Encoding, status: number, message: string): void {
  // google.rpc.Code: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL.
  const grpcCode = status === 413 ? 8 : status === 503 ? 14 : status < 500 ? 3 : 13;
  reply.code(status);
  if (encoding === 'protobuf') reply.type('application/x-protobuf').send(statusProtobuf(grpcCode, message));
  else reply.type('application/json').send(statusJson(grpcCode, message));
}

