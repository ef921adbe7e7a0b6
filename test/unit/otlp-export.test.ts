import { describe, expect, it } from 'vitest';
import { anyValue, toOtlpJson } from '../../src/format/otlp-json.js';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { spans, TRACE_ID } from '../fixtures/analysis-spans.js';
import { readBack } from '../fixtures/otlp-model.js';

describe('toOtlpJson', () => {
  const input = spans(
    { id: 'aaaaaaaaaaaaaaaa', service: 'web', kind: 'server', start: 0, end: 10, attrs: { 'http.route': '/x', n: 3, f: 1.5, ok: true } },
    { id: 'bbbbbbbbbbbbbbbb', parent: 'aaaaaaaaaaaaaaaa', service: 'api', kind: 'client', start: 1, end: 9, error: true, exception: { type: 'E', message: 'm' } },
    { id: 'cccccccccccccccc', parent: 'aaaaaaaaaaaaaaaa', service: 'web', start: 2, end: 3 },
  );

  it('groups spans by resource and scope, with hex IDs, integer enums and 64-bit integers as strings', () => {
    const out = toOtlpJson(input);
    expect(out.resourceSpans).toHaveLength(2);
    const web = out.resourceSpans.find((r) => JSON.stringify(r.resource).includes('"web"'))!;
    expect(web.scopeSpans[0].spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa', 'cccccccccccccccc']);
    const root = web.scopeSpans[0].spans[0];
    expect(root.traceId).toBe(TRACE_ID);
    expect(root.kind).toBe(2);
    expect(typeof root.startTimeUnixNano).toBe('string');
    expect(root.attributes).toContainEqual({ key: 'n', value: { intValue: '3' } });
    expect(root.attributes).toContainEqual({ key: 'f', value: { doubleValue: 1.5 } });
    expect(root.attributes).toContainEqual({ key: 'ok', value: { boolValue: true } });
    const api = out.resourceSpans.find((r) => JSON.stringify(r.resource).includes('"api"'))!;
    expect(api.scopeSpans[0].spans[0].status).toEqual({ code: 2, message: expect.any(String) });
    expect(api.scopeSpans[0].spans[0].events[0].name).toBe('exception');
  });

  it('encodes nested values', () => {
    expect(anyValue([1, 'a', null])).toEqual({ arrayValue: { values: [{ intValue: '1' }, { stringValue: 'a' }, {}] } });
    expect(anyValue({ k: false })).toEqual({ kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } });
  });

  it('decodes back to the same spans', () => {
    const decoded = readBack(decodeJsonRequest(JSON.stringify(toOtlpJson(input))));
    expect(decoded.spans.map((s) => [s.spanId, s.parentSpanId, s.kind, s.startTimeUnixNano, s.statusCode, s.attributes])).toEqual(
      [input[0], input[2], input[1]].map((s) => [s.spanId, s.parentSpanId, s.kind, s.startTimeUnixNano, s.statusCode, s.attributes]),
    );
  });
});
