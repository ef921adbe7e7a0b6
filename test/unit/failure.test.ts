import { describe, expect, it } from 'vitest';
import { encodeSpans, readChunkTyped } from '../../src/codec/index.js';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { isFailure, spanFailed } from '../../src/model/failure.js';
import { SpanKind, StatusCode, type Attributes } from '../../src/model/span.js';

const { SERVER, CLIENT, INTERNAL } = SpanKind;
const { UNSET, OK, ERROR } = StatusCode;

/** What ingest decides (codec/decide.ts, from the attributes it has just encoded) for a span sent as OTLP/JSON. */
function ingestDecides(kind: number, statusCode: number, attributes: Array<{ key: string; value: object }>): boolean {
  const body = JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '1'.repeat(32), spanId: '2'.repeat(16), kind, status: { code: statusCode }, attributes }] }] }],
  });
  return decodeJsonRequest(body).spans[0].error;
}

const intValue = (n: number) => ({ intValue: n });

describe('the one definition of a failed span', () => {
  it('follows the status when it is set, and the HTTP rules when it is not', () => {
    expect(isFailure(INTERNAL, ERROR, undefined)).toBe(true);
    expect(isFailure(SERVER, OK, 500)).toBe(false); // the instrumentation said OK explicitly
    expect(isFailure(SERVER, UNSET, 500)).toBe(true);
    expect(isFailure(SERVER, UNSET, 404)).toBe(false); // the caller's mistake
    expect(isFailure(CLIENT, UNSET, 404)).toBe(true);
    expect(isFailure(CLIENT, UNSET, 302)).toBe(false);
    expect(isFailure(CLIENT, UNSET, undefined)).toBe(false);
  });

  it('ingest decides from the encoded attributes exactly as spanFailed does from parsed ones', () => {
    const cases: Array<[number, number, Array<{ key: string; value: object }>, Attributes]> = [
      [SERVER, UNSET, [{ key: 'http.response.status_code', value: intValue(503) }], { 'http.response.status_code': 503 }],
      [SERVER, UNSET, [{ key: 'http.status_code', value: { stringValue: '500' } }], { 'http.status_code': '500' }],
      [CLIENT, UNSET, [{ key: 'url.full', value: { stringValue: 'http://x/' } }, { key: 'http.response.status_code', value: intValue(404) }], { 'url.full': 'http://x/', 'http.response.status_code': 404 }],
      [SERVER, UNSET, [{ key: 'nested', value: { kvlistValue: { values: [{ key: 'http.response.status_code', value: intValue(500) }] } } }], { nested: { 'http.response.status_code': 500 } }],
      [SERVER, UNSET, [{ key: 'note', value: { stringValue: '"http.response.status_code":500' } }], { note: '"http.response.status_code":500' }],
      [SERVER, UNSET, [{ key: 'http.response.status_code', value: intValue(200) }, { key: 'http.status_code', value: intValue(500) }], { 'http.response.status_code': 200, 'http.status_code': 500 }],
      [SERVER, UNSET, [{ key: 'http.response.status_code', value: { doubleValue: 502 } }], { 'http.response.status_code': 502 }],
      [SERVER, UNSET, [{ key: 'http.response.status_code', value: { doubleValue: 502.5 } }], { 'http.response.status_code': 502.5 }],
      [SERVER, UNSET, [{ key: 'http.response.status_code', value: intValue(500) }, { key: 'http.response.status_code', value: intValue(200) }], { 'http.response.status_code': 200 }],
      [SERVER, UNSET, [{ key: 'http.status_code', value: { arrayValue: { values: [intValue(500)] } } }], { 'http.status_code': [500] }],
      [INTERNAL, ERROR, [], {}],
      [SERVER, OK, [{ key: 'http.response.status_code', value: intValue(500) }], { 'http.response.status_code': 500 }],
    ];
    for (const [kind, statusCode, otlp, attrs] of cases) {
      expect(ingestDecides(kind, statusCode, otlp), JSON.stringify(attrs)).toBe(spanFailed({ kind, statusCode, attributes: attrs }));
    }
  });

  it('the encoder of parsed spans decides the same way when it is not told', () => {
    const span = (attributes: Attributes, kind: number, error?: boolean) => ({
      traceId: '1'.repeat(32), spanId: '2'.repeat(16), name: 'x', kind, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes,
      error, resource: { attributes: {} }, scope: {},
    });
    const decided = (s: ReturnType<typeof span>) => {
      const { chunks } = encodeSpans([s]);
      return readChunkTyped(chunks[0].data, chunks[0].traceId)[0].error;
    };
    expect(decided(span({ 'http.response.status_code': 404 }, CLIENT))).toBe(true);
    expect(decided(span({ 'http.response.status_code': 404 }, SERVER))).toBe(false);
    expect(decided(span({ 'http.response.status_code': 404 }, SERVER, true))).toBe(true); // told: kept
  });
});
