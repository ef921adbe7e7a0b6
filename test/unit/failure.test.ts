import { describe, expect, it } from 'vitest';
import { topLevelInt } from '../../src/model/attr-text.js';
import { recordFailed } from '../../src/ingest/validate.js';
import { isFailure, spanFailed } from '../../src/model/failure.js';
import { SpanKind, StatusCode } from '../../src/model/span.js';

const { SERVER, CLIENT, INTERNAL } = SpanKind;
const { UNSET, OK, ERROR } = StatusCode;

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

  it('reads the status code from decoded JSON text as from parsed attributes', () => {
    const cases: Array<[number, number, Record<string, unknown>]> = [
      [SERVER, UNSET, { 'http.response.status_code': 503 }],
      [SERVER, UNSET, { 'http.status_code': '500' }],
      [CLIENT, UNSET, { 'url.full': 'http://x/', 'http.response.status_code': 404 }],
      [SERVER, UNSET, { nested: { 'http.response.status_code': 500 } }],
      [SERVER, UNSET, { note: '"http.response.status_code":500' }],
      [SERVER, UNSET, { 'http.response.status_code': 200, 'http.status_code': 500 }],
      [INTERNAL, ERROR, {}],
    ];
    for (const [kind, statusCode, attrs] of cases) {
      const json = JSON.stringify(attrs);
      expect(recordFailed({ kind, statusCode, attributes: json }), json).toBe(spanFailed({ kind, statusCode, attributes: attrs as never }));
    }
    expect(recordFailed({ kind: SERVER, statusCode: UNSET, attributes: '{"nested":{"http.response.status_code":500}}' })).toBe(false);
    expect(recordFailed({ kind: SERVER, statusCode: UNSET, attributes: '{"http.response.status_code":502}' })).toBe(true);
  });

  it('finds only top-level integer members', () => {
    expect(topLevelInt('{"a":1,"k":42}', 'k')).toBe(42);
    expect(topLevelInt('{"k":"42"}', 'k')).toBe(42);
    expect(topLevelInt('{"k":4.5}', 'k')).toBeUndefined();
    expect(topLevelInt('{"k":"x42"}', 'k')).toBeUndefined();
    expect(topLevelInt('{"s":"{\\"k\\":1}","k":7}', 'k')).toBe(7);
    expect(topLevelInt('{"arr":[{"k":1}],"k":8}', 'k')).toBe(8);
    expect(topLevelInt('{}', 'k')).toBeUndefined();
  });
});
