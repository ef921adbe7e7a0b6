import type { DecodedRequest } from '../codec/types.js';
import { InvalidInputError } from '../model/errors.js';
import { zipkinToOtlpRequest, type ZipkinEndpoint, type ZipkinSpan } from './zipkin-map.js';
import { decodeJsonRequest } from './otlp-json.js';

/**
 * A Zipkin v2 JSON span list (reference/protocol.md §7) → the same DecodedRequest the OTLP decoders make.
 * The spans are checked and normalised here, mapped to an OTLP/JSON ExportTraceServiceRequest (zipkin-map.ts)
 * and handed to the OTLP/JSON decoder, so every ingest decision (failure, callee, per-span validation) is made
 * in one place. The receiver (zipkin-http.ts) and the importer both call this.
 *
 * A malformed document (not a JSON array, a field of the wrong type, an ID that is not hex) throws
 * InvalidInputError naming the span's index and the field: nothing of it is stored, as Zipkin's own server
 * answers 400 for the whole list. A span without `timestamp` (a late fragment Zipkin would merge by ID at query
 * time) is rejected alone and counted in `rejected`: stored, it could shadow the complete span under the
 * (traceId, spanId) idempotency.
 */
export function decodeZipkinJson(body: Buffer | string, maxAttributeLength = 0): DecodedRequest {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return decodeZipkinSpans(parseZipkinJson(text), maxAttributeLength);
}

/** Normalised spans (from JSON, or any other Zipkin encoding) → a DecodedRequest. */
export function decodeZipkinSpans(spans: readonly ZipkinSpan[], maxAttributeLength = 0): DecodedRequest {
  const { request, rejections } = zipkinToOtlpRequest(spans);
  const decoded = decodeJsonRequest(JSON.stringify(request), maxAttributeLength);
  if (rejections.length === 0) return decoded;
  const messages = [...rejections.slice(0, 3), ...(decoded.rejectionMessage ? [decoded.rejectionMessage] : [])];
  const rejected = decoded.rejected + rejections.length;
  const more = rejections.length > 3 ? ` (${rejected} spans rejected in all)` : '';
  return { ...decoded, rejected, rejectionMessage: messages.join('; ') + more };
}

/** Parses and checks a Zipkin v2 JSON body; throws InvalidInputError naming the span and field. */
export function parseZipkinJson(text: string): ZipkinSpan[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new InvalidInputError(`invalid Zipkin v2 JSON: the body must be an array of spans, got ${preview(doc)}`);
  return doc.map((s, i) => span(s, i));
}

type Obj = Record<string, unknown>;

const KINDS = new Set(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']);

function span(v: unknown, i: number): ZipkinSpan {
  const at = (field: string) => `span ${i}: ${field}`;
  if (!isObj(v)) fail(at(''), 'must be an object', v);
  // Zipkin v1 spans carry binaryAnnotations and annotations with endpoints; say so rather than "bad field".
  if ('binaryAnnotations' in v) fail(at('binaryAnnotations'), 'is Zipkin v1; send the v2 span model (POST /api/v2/spans)');
  const kind = optStr(v.kind, at('kind'));
  if (kind !== '' && !KINDS.has(kind.toUpperCase())) fail(at('kind'), 'must be CLIENT, SERVER, PRODUCER or CONSUMER', kind);
  return {
    index: i,
    traceId: hexId(v.traceId, 32, at('traceId'), true),
    id: hexId(v.id, 16, at('id'), true),
    parentId: hexId(v.parentId, 16, at('parentId'), false),
    name: optStr(v.name, at('name')),
    kind: kind.toUpperCase() as ZipkinSpan['kind'],
    timestamp: micros(v.timestamp, at('timestamp')),
    duration: micros(v.duration, at('duration')),
    shared: bool(v.shared, at('shared')),
    localEndpoint: endpoint(v.localEndpoint, at('localEndpoint')),
    remoteEndpoint: endpoint(v.remoteEndpoint, at('remoteEndpoint')),
    annotations: annotations(v.annotations, at('annotations')),
    tags: tags(v.tags, at('tags')),
  };
}

/** 1–`max` hex digits in any case, left-padded with zeros (a 64-bit trace ID becomes 32 digits, W3C style). */
function hexId(v: unknown, max: number, what: string, required: boolean): string {
  if (v === undefined || v === null || v === '') {
    if (required) fail(what, 'is required');
    return '';
  }
  if (typeof v !== 'string' || !/^[0-9a-fA-F]+$/.test(v) || v.length > max) {
    fail(what, `must be ${max === 32 ? '16 or 32' : '16'} hex characters`, v);
  }
  return v.toLowerCase().padStart(max, '0');
}

/** Epoch or duration microseconds: a non-negative integer (a decimal string too); absent → undefined. */
function micros(v: unknown, what: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) return BigInt(v);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(what, 'must be a non-negative integer (microseconds)', v);
  return BigInt(Math.round(v));
}

function endpoint(v: unknown, what: string): ZipkinEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(what, 'must be an object', v);
  const port = v.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) fail(`${what}.port`, 'must be a port (0-65535)', port);
  return {
    serviceName: optStr(v.serviceName, `${what}.serviceName`),
    ipv4: optStr(v.ipv4, `${what}.ipv4`),
    ipv6: optStr(v.ipv6, `${what}.ipv6`),
    port,
  };
}

function annotations(v: unknown, what: string): ZipkinSpan['annotations'] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(what, 'must be an array', v);
  return v.map((a, j) => {
    if (!isObj(a)) fail(`${what}[${j}]`, 'must be an object', a);
    const timestamp = micros(a.timestamp, `${what}[${j}].timestamp`);
    if (timestamp === undefined) fail(`${what}[${j}].timestamp`, 'is required');
    return { timestamp, value: optStr(a.value, `${what}[${j}].value`) };
  });
}

/** Zipkin tags are strings; numbers and booleans (which some senders write) are taken as their text. */
function tags(v: unknown, what: string): [string, string][] {
  if (v === undefined || v === null) return [];
  if (!isObj(v)) fail(what, 'must be an object of strings', v);
  const out: [string, string][] = [];
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out.push([k, x]);
    else if (typeof x === 'number' || typeof x === 'boolean') out.push([k, String(x)]);
    else if (x !== null) fail(`${what}.${k}`, 'must be a string', x);
  }
  return out;
}

function optStr(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(what, 'must be a string', v);
  return v;
}

function bool(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(what, 'must be true or false', v);
  return v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(what: string, detail: string, v?: unknown): never {
  const got = v === undefined ? '' : `, got ${preview(v)}`;
  throw new InvalidInputError(`invalid Zipkin v2 JSON: ${what.replace(/: $/, '')} ${detail}${got}`);
}

function preview(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null || typeof v !== 'object') {
    const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
    return s.length > 40 ? s.slice(0, 40) + '…' : s;
  }
  return 'an object';
}
