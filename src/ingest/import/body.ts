import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../model/errors.js';
import { type ImportBody, MAX_IMPORT_BYTES } from '../../model/import.js';

const gunzip = promisify(zlib.gunzip);

/**
 * The file's bytes from an import request: the body itself, or the `file` field of a multipart/form-data body (the
 * upload form); gzip undone whether the request says `Content-Encoding: gzip` or the file is a `.gz` (its magic
 * bytes), with the output bounded so a gzip bomb stops at the limit (413).
 */
export async function fileBytes(input: ImportBody, limit = MAX_IMPORT_BYTES): Promise<Buffer> {
  let body = input.body;
  const coding = input.contentEncoding.trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') body = await inflate(body, limit);
  else if (coding !== '' && coding !== 'identity') throw new UnsupportedMediaTypeError(`unsupported Content-Encoding "${coding}": send gzip or none`);
  const type = input.contentType.split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') body = multipartFile(body, input.contentType);
  if (body.length > limit) throw new PayloadTooLargeError(`the file is larger than ${limit / 1024 / 1024} MiB`);
  if (body[0] === 0x1f && body[1] === 0x8b) body = await inflate(body, limit);
  return body;
}

async function inflate(body: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzip(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`the file is larger than ${limit / 1024 / 1024} MiB after decompression`);
    }
    throw new InvalidInputError(`the file is not valid gzip: ${(err as Error).message}`);
  }
}

/**
 * The `file` part of a multipart/form-data body (RFC 7578). One buffered body, already bounded by the route, so
 * a search for the boundary is all it takes: a browser picks a boundary that does not occur in the file.
 */
export function multipartFile(body: Buffer, contentType: string): Buffer {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new InvalidInputError('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const headStart = at + delimiter.length;
    if (body.subarray(headStart, headStart + 2).toString() === '--') break; // the closing delimiter
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd === -1) break;
    const head = body.subarray(headStart, headEnd).toString('utf8');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next === -1) throw new InvalidInputError('multipart/form-data body ends inside a part');
    if (/^content-disposition:[^\r\n]*;\s*name="?file"?(;|\s|\r|$)/im.test(head)) return body.subarray(headEnd + 4, next);
    at = next + 2;
  }
  throw new InvalidInputError('multipart/form-data without a "file" field: choose a file to import');
}
