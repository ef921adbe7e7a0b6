import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../model/errors.js';

/** What the HTTP receivers (OTLP/HTTP, Zipkin) share: the body's Content-Encoding undone, bounded, and CORS. */

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

export async function decompress(req: FastifyRequest, limit: number): Promise<Buffer> {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const coding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (coding === 'identity' || coding === '') return body;
  const inflater = coding === 'gzip' || coding === 'x-gzip' ? gunzip : coding === 'deflate' ? inflate : undefined;
  if (!inflater) throw new UnsupportedMediaTypeError(`unsupported Content-Encoding "${coding}": send gzip or none`);
  try {
    // maxOutputLength stops a gzip bomb after `limit` bytes instead of inflating it whole.
    return await inflater(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`body is larger than ${limit} bytes after decompression`);
    }
    throw new InvalidInputError(`body is not valid ${coding}: ${(err as Error).message}`);
  }
}

export function corsHeaders(req: FastifyRequest, reply: FastifyReply, origins: readonly string[]): void {
  const origin = req.headers.origin;
  if (!origin || origins.length === 0) return;
  if (origins.includes('*')) reply.header('access-control-allow-origin', '*');
  else if (origins.includes(origin)) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
}
