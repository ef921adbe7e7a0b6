import type { DecodedRequest } from '../../model/encoded.js';
import { InvalidInputError, UnsupportedMediaTypeError } from '../../model/errors.js';
import type { ImportFormat } from '../../model/import.js';
import { decodeJsonRequest } from '../otlp-json.js';
import { decodeZipkinJson } from '../zipkin-json.js';
import { isJaegerJson, jaegerToOtlp } from './jaeger.js';
import { parseJson } from './json-syntax.js';

/** A whole file decoded and validated, nothing stored yet: the requests to hand to the pipeline, in order. */
export interface DecodedFile {
  format: ImportFormat;
  requests: DecodedRequest[];
  /** otlp-ndjson: lines of logs or metrics (or profiles), skipped. */
  skippedLines: number;
}

const FORMATS =
  'OTLP JSON (TracesData), the Collector file exporter\'s JSON lines, a Jaeger UI JSON download or a Zipkin v2 JSON array';

/**
 * The format by content, never by name or type: a JSON object with `resourceSpans` is OTLP JSON; several
 * lines that are each a JSON object are the Collector file exporter's NDJSON; `{"data":[Trace…]}`, a Trace or an
 * array of Traces is a Jaeger download; an array of objects with `traceId` and `id` is Zipkin v2. Throws
 * InvalidInputError (400, naming the line or field path) for a malformed file and UnsupportedMediaTypeError (415)
 * for content of no known format.
 */
export function decodeImportFile(bytes: Buffer): DecodedFile {
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    throw new UnsupportedMediaTypeError('the file is zstd-compressed (the file exporter\'s `compression: zstd`): decompress it first (zstd -d FILE)');
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const start = text.search(/\S/);
  if (start === -1) throw new InvalidInputError('the file is empty: nothing to import');
  const first = text[start];
  if (first !== '{' && first !== '[') {
    throw new UnsupportedMediaTypeError(`not a trace file tracelite knows (it does not start with { or [): send ${FORMATS}`);
  }
  // OTLP JSON from every SDK and the Collector starts with its one key: straight to the decoder and its fast path.
  if (first === '{' && /^\{\s*"resource_?[sS]pans"/.test(text.slice(start, start + 40)) && !isNdjson(text, start)) {
    return { format: 'otlp-json', requests: [otlp(text, '')], skippedLines: 0 };
  }
  if (first === '{' && isNdjson(text, start)) return ndjson(text);
  const root = parseJson(text);
  if (Array.isArray(root) && root.length === 0) throw new InvalidInputError('the file is an empty JSON array: nothing to import');
  if (isOtlpTraces(root)) return { format: 'otlp-json', requests: [otlp(text, '')], skippedLines: 0 };
  if (isJaegerJson(root)) {
    const requests = jaegerToOtlp(root).map(({ path, tracesData }) => otlp(JSON.stringify(tracesData), path === '' ? '' : `${path}: `));
    return { format: 'jaeger-json', requests, skippedLines: 0 };
  }
  if (Array.isArray(root) && root.every((s) => isObject(s) && 'traceId' in s && 'id' in s)) {
    return { format: 'zipkin-json', requests: [decodeZipkinJson(text)], skippedLines: 0 };
  }
  if (isObject(root) && ('resourceLogs' in root || 'resourceMetrics' in root)) {
    throw new InvalidInputError('the file holds OTLP logs or metrics, not traces: nothing to import');
  }
  throw new UnsupportedMediaTypeError(`not a trace file tracelite knows: send ${FORMATS}`);
}

/** Two or more lines, the first a whole JSON object on its own. */
function isNdjson(text: string, start: number): boolean {
  const nl = text.indexOf('\n', start);
  if (nl === -1 || text.slice(nl).trim() === '') return false;
  try {
    const line = JSON.parse(text.slice(start, nl));
    return isObject(line);
  } catch {
    return false;
  }
}

/** One OTLP JSON object a line (jsonlines.org, as the Collector's file exporter writes); errors name the line. */
function ndjson(text: string): DecodedFile {
  const requests: DecodedRequest[] = [];
  let skippedLines = 0;
  let lineNo = 0;
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end);
    at = end + 1;
    lineNo++;
    if (line.trim() === '') continue;
    const where = `line ${lineNo}: `;
    const value = parseJson(line, where);
    if (!isObject(value)) throw new InvalidInputError(`${where}a JSON object (an OTLP TracesData) was expected`);
    if (isOtlpTraces(value)) requests.push(otlp(line, where));
    else if ('resourceLogs' in value || 'resourceMetrics' in value || 'resourceProfiles' in value) skippedLines++;
    else throw new InvalidInputError(`${where}not OTLP JSON: no resourceSpans, resourceLogs or resourceMetrics`);
  }
  if (requests.length === 0) throw new InvalidInputError(`no line holds traces (${skippedLines} lines of logs or metrics): nothing to import`);
  return { format: 'otlp-ndjson', requests, skippedLines };
}

function otlp(text: string, where: string): DecodedRequest {
  try {
    return decodeJsonRequest(text);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    // The decoder's JSON error has no position: parse again for one (throws when the JSON is what is wrong).
    if (err.message.startsWith('invalid JSON')) parseJson(text, where);
    throw where === '' ? err : new InvalidInputError(`${where}${err.message}`);
  }
}

function isOtlpTraces(v: unknown): boolean {
  return isObject(v) && ('resourceSpans' in v || 'resource_spans' in v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
