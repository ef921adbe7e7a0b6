import { describe, expect, it } from 'vitest';
import type { TypedValue } from '../../src/codec/types.js';
import { InvalidInputError } from '../../src/model/errors.js';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { TRACE_JSON, TRACE_JSON_NUMERIC } from '../fixtures/otlp-examples.js';
import { readBack } from '../fixtures/otlp-model.js';

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

/** A request with one resource/scope holding `spans` (objects merged over a minimal valid span). */
function req(...spans: object[]): string {
  return JSON.stringify({
    resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 'lib' }, spans: spans.map((s) => ({ traceId: TID, spanId: SID, ...s })) }] }],
  });
}
/** A request decoded and its chunks read back (read model, typed, index). */
const decode = (text: string | Buffer) => {
  const decoded = decodeJsonRequest(text);
  return { decoded, ...readBack(decoded) };
};
function readOne(span: object) {
  const r = decode(req(span));
  expect(r.decoded.rejectionMessage).toBe('');
  return r;
}
const one = (span: object) => readOne(span).spans[0];
const attrValue = (value: unknown) => one({ attributes: [{ key: 'v', value }] }).attributes.v;
const typedValue = (value: unknown): TypedValue => readOne({ attributes: [{ key: 'v', value }] }).typed[0].attributes[0].value;

function expectInvalid(text: string, message: RegExp): void {
  expect(() => decodeJsonRequest(text)).toThrow(InvalidInputError);
  expect(() => decodeJsonRequest(text)).toThrow(message);
}

describe('JSON decoder: the official example', () => {
  it.each([
    ['current (string timestamps, an event)', TRACE_JSON],
    ['older (numeric timestamps)', TRACE_JSON_NUMERIC],
  ])('%s', (_name, text) => {
    const { decoded, spans } = decode(Buffer.from(text));
    expect(decoded.rejected).toBe(0);
    expect(spans).toHaveLength(1);
    const s = spans[0];
    expect(s).toMatchObject({
      traceId: TID, spanId: SID, parentSpanId: 'eee19b7ec3c1b173', name: "I'm a server span", kind: 2, service: 'my.service',
      startTimeUnixNano: 1544712660000000000n, endTimeUnixNano: 1544712661000000000n,
      attributes: { 'my.span.attr': 'some value' }, statusCode: 0, statusMessage: '', flags: 0, traceState: '',
    });
    expect(s.resource).toEqual({ attributes: { 'service.name': 'my.service' }, droppedAttributesCount: 0 });
    expect(s.scope).toEqual({ name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' }, droppedAttributesCount: 0 });
    if (text === TRACE_JSON) {
      expect(s.events).toEqual([
        { name: 'my.event', timeUnixNano: 1544712660500000000n, attributes: { 'my.event.attr': 'event value' }, droppedAttributesCount: 0 },
      ]);
    }
  });
});

describe('JSON decoder: what real senders send', () => {
  it('lowercases hex IDs in any case, span and link alike', () => {
    const s = one({ traceId: TID.toUpperCase(), spanId: 'EeE19b7EC3C1B174', parentSpanId: 'EEE19B7EC3C1B173', links: [{ traceId: TID.toUpperCase(), spanId: 'AABBCCDDEEFF0011' }] });
    expect([s.traceId, s.spanId, s.parentSpanId]).toEqual([TID, SID, 'eee19b7ec3c1b173']);
    expect(s.links[0]).toMatchObject({ traceId: TID, spanId: 'aabbccddeeff0011' });
  });

  it('decodes legacy base64 IDs (24 / 12 characters, or unpadded)', () => {
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
    expect(b64(TID)).toHaveLength(24);
    expect(b64(SID)).toHaveLength(12);
    const s = one({ traceId: b64(TID), spanId: b64(SID), parentSpanId: b64('eee19b7ec3c1b173').replace(/=+$/, '') });
    expect([s.traceId, s.spanId, s.parentSpanId]).toEqual([TID, SID, 'eee19b7ec3c1b173']);
    expect(one({ traceId: Buffer.from(TID, 'hex').toString('base64url') }).traceId).toBe(TID);
  });

  it('accepts snake_case keys everywhere', () => {
    const text = JSON.stringify({
      resource_spans: [{
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }], dropped_attributes_count: 1 },
        scope_spans: [{
          scope: { name: 's', dropped_attributes_count: 2 },
          spans: [{
            trace_id: TID, span_id: SID, parent_span_id: 'eee19b7ec3c1b173', trace_state: 'a=b',
            start_time_unix_nano: '1', end_time_unix_nano: '2', dropped_attributes_count: 3, dropped_events_count: 4,
            dropped_links_count: 5,
            attributes: [
              { key: 'i', value: { int_value: '7' } }, { key: 'b', value: { bool_value: true } },
              { key: 'd', value: { double_value: 0.5 } }, { key: 'by', value: { bytes_value: 'AAE=' } },
              { key: 'a', value: { array_value: { values: [{ string_value: 'x' }] } } },
              { key: 'k', value: { kvlist_value: { values: [{ key: 'n', value: { int_value: 1 } }] } } },
            ],
            events: [{ time_unix_nano: '3', name: 'e', dropped_attributes_count: 6 }],
            links: [{ trace_id: TID, span_id: SID, trace_state: 'x=y', dropped_attributes_count: 7, flags: 256 }],
          }],
        }],
      }],
    });
    const [s] = decode(text).spans;
    expect(s).toMatchObject({
      parentSpanId: 'eee19b7ec3c1b173', traceState: 'a=b', startTimeUnixNano: 1n, endTimeUnixNano: 2n,
      droppedAttributesCount: 3, droppedEventsCount: 4, droppedLinksCount: 5,
    });
    expect(s.attributes).toEqual({ i: 7, b: true, d: 0.5, by: 'AAE=', a: ['x'], k: { n: 1 } });
    expect(s.events).toEqual([{ name: 'e', timeUnixNano: 3n, attributes: {}, droppedAttributesCount: 6 }]);
    expect(s.links).toEqual([{ traceId: TID, spanId: SID, traceState: 'x=y', attributes: {}, droppedAttributesCount: 7, flags: 256 }]);
    expect([s.service, s.resource.droppedAttributesCount, s.scope.droppedAttributesCount]).toEqual(['snake', 1, 2]);
  });

  it('accepts legacy instrumentationLibrarySpans / instrumentationLibrary', () => {
    const text = JSON.stringify({ resourceSpans: [{
      instrumentationLibrarySpans: [{ instrumentationLibrary: { name: 'old', version: '0.1' }, spans: [{ traceId: TID, spanId: SID }] }],
    }] });
    const [s] = decode(text).spans;
    expect([s.scope.name, s.scope.version, s.service]).toEqual(['old', '0.1', 'unknown_service']);
  });

  it.each([
    [2, 2], ['SPAN_KIND_SERVER', 2], ['span_kind_client', 3], ['producer', 4], ['Consumer', 5], ['INTERNAL', 1], ['5', 5],
  ])('kind %j -> %i', (kind, expected) => {
    expect(one({ kind }).kind).toBe(expected);
  });

  it.each([
    [2, 2], ['STATUS_CODE_ERROR', 2], ['STATUS_CODE_OK', 1], ['error', 2], ['Ok', 1], ['unset', 0],
  ])('status code %j -> %i', (code, expected) => {
    expect(one({ status: { code, message: 'm' } })).toMatchObject({ statusCode: expected, statusMessage: 'm' });
  });

  it('keeps string times exact beyond 2^53 and accepts numbers', () => {
    const s = one({ startTimeUnixNano: '1700000000123456789', endTimeUnixNano: 1700000001000000000, events: [{ timeUnixNano: '18446744073709551615' }] });
    expect(s.startTimeUnixNano).toBe(1700000000123456789n);
    expect(s.endTimeUnixNano).toBe(1700000001000000000n); // a number: exact here (a multiple of 256)
    expect(s.events[0].timeUnixNano).toBe(18446744073709551615n);
  });

  it.each([
    [{ intValue: 42 }, 42], [{ intValue: '42' }, 42], [{ intValue: '-42' }, -42], [{ intValue: -7 }, -7],
    [{ intValue: '9007199254740993' }, '9007199254740993'], [{ intValue: '-9223372036854775808' }, '-9223372036854775808'],
    [{ intValue: 9223372036854775807 }, '9223372036854775807'], [{ intValue: 2 ** 60 }, '1152921504606846976'],
    [{ doubleValue: 1.5 }, 1.5], [{ doubleValue: '2.5' }, 2.5], [{ doubleValue: 'NaN' }, 'NaN'],
    [{ doubleValue: 'Infinity' }, 'Infinity'], [{ doubleValue: '-Infinity' }, '-Infinity'], [{ doubleValue: 7 }, 7],
    [{ bytesValue: '+/8A' }, '+/8A'], [{ bytesValue: '-_8A' }, '+/8A'], [{ bytesValue: '-_8' }, '+/8='],
    [{}, null], [{ stringValue: null }, null], [{ stringValueStrindex: 3 }, null], [{ unknownValue: 1 }, null],
    [{ boolValue: false }, false], [{ stringValue: 'a\u0000"\\' }, 'a\u0000"\\'],
    [{ arrayValue: { values: [{ intValue: 1 }, {}, { arrayValue: {} }] } }, [1, null, []]],
    [{ kvlistValue: { values: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'b' }] } } }] } }, { a: { b: null } }],
    [{ stringValue: 'first', intValue: 2 }, 2],
  ])('AnyValue %j -> %j', (value, expected) => {
    expect(attrValue(value)).toEqual(expected);
  });

  it.each([
    [{ intValue: 42 }, { intValue: 42n }], [{ intValue: '-9223372036854775808' }, { intValue: -(2n ** 63n) }],
    [{ intValue: 9223372036854775807 }, { intValue: 2n ** 63n - 1n }], [{ intValue: '9007199254740993' }, { intValue: 9007199254740993n }],
    [{ doubleValue: 7 }, { doubleValue: 7 }], [{ doubleValue: '2.5' }, { doubleValue: 2.5 }], [{ doubleValue: 'NaN' }, { doubleValue: NaN }],
    [{ doubleValue: '-Infinity' }, { doubleValue: -Infinity }], [{ bytesValue: '-_8' }, { bytesValue: new Uint8Array([0xfb, 0xff]) }],
    [{}, {}], [{ stringValue: '' }, { stringValue: '' }],
  ])('AnyValue %j keeps its type', (value, expected) => {
    expect(typedValue(value)).toEqual(expected);
  });

  it('a whole double stays a double, -0 included', () => {
    const v = typedValue({ doubleValue: '-0' }) as { doubleValue: number };
    expect(Object.is(v.doubleValue, -0)).toBe(true);
  });

  it('ignores unknown fields at every level', () => {
    const text = JSON.stringify({ extra: 1, resourceSpans: [{ x: [], schemaUrl: 's', resource: { y: 2, entityRefs: [] },
      scopeSpans: [{ z: {}, scope: { name: 'l', w: 1 }, spans: [{ traceId: TID, spanId: SID, newField: { a: 1 }, status: { deprecatedCode: 1, q: 2 } }] }] }] });
    expect(decodeJsonRequest(text).spans).toHaveLength(1);
  });

  it('treats an empty body, whitespace and {} as an empty request; strips a byte-order mark', () => {
    for (const text of ['', '  \n', '{}', '{"resourceSpans":[]}', '{"resourceSpans":null}']) {
      expect(decodeJsonRequest(text)).toEqual({ spans: [], chunks: [], dimensions: [], rejected: 0, rejectionMessage: '' });
    }
    expect(decodeJsonRequest(Buffer.from('\ufeff' + TRACE_JSON)).spans).toHaveLength(1);
  });
});

describe('JSON decoder: per-span validation', () => {
  it.each([
    ['a short trace_id', { traceId: '01020304' }, 'trace_id must be 16 bytes, got 4'],
    ['an all-zero trace_id', { traceId: '0'.repeat(32) }, 'trace_id must not be all zero'],
    ['a non-hex trace_id', { traceId: 'not hex at all!' }, 'trace_id is neither hex nor base64'],
    ['a bad span_id length', { spanId: 'abcd' }, 'span_id must be 8 bytes, got 2'],
    ['an all-zero span_id', { spanId: '0000000000000000' }, 'span_id must not be all zero'],
    ['a missing span_id', { spanId: undefined }, 'span (no span_id): span_id must be 8 bytes, got 0'],
    ['a bad parent', { parentSpanId: 'abc' }, 'parent_span_id is neither hex nor base64'],
    ['a bad link ID', { links: [{ traceId: 'zz', spanId: SID }] }, 'a link ID is neither hex nor base64'],
    ['end before start', { startTimeUnixNano: '10', endTimeUnixNano: '9' }, 'is before start_time_unix_nano 10'],
  ])('rejects %s, keeps the others', (_name, bad, reason) => {
    const r = decodeJsonRequest(req({ spanId: 'aaaaaaaaaaaaaaaa' }, bad, { spanId: 'bbbbbbbbbbbbbbbb' }));
    expect(r.spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(r.rejected).toBe(1);
    expect(r.rejectionMessage).toContain(reason);
  });

  it('stores nothing of a rejected span, but still refuses malformed fields inside it', () => {
    const r = decode(req({ spanId: 'aaaaaaaaaaaaaaaa' }, { traceId: '00', attributes: [{ key: 'only-in-rejected', value: { stringValue: 'v' } }] }));
    expect(r.decoded.rejected).toBe(1);
    expect(Buffer.from(r.decoded.chunks[0].data).includes(Buffer.from('only-in-rejected'))).toBe(false);
    expectInvalid(req({ traceId: '00', attributes: [{ key: 'k', value: { boolValue: 'yes' } }] }), /boolValue must be true or false/);
  });

  it('checks a oneof case a later one overrides', () => {
    expectInvalid(req({ attributes: [{ key: 'k', value: { boolValue: 'yes', intValue: 1 } }] }), /boolValue must be true or false/);
  });

  it('treats an all-zero or empty parentSpanId as a root', () => {
    expect(one({ parentSpanId: '0000000000000000' }).parentSpanId).toBe('');
    expect(one({ parentSpanId: '' }).parentSpanId).toBe('');
  });

  it('summarises many rejections', () => {
    const bad = Array.from({ length: 5 }, (_, i) => ({ spanId: `${i}`.repeat(16), traceId: '00' }));
    const r = decodeJsonRequest(req(...bad));
    expect(r.rejected).toBe(5);
    expect(r.rejectionMessage).toMatch(/^span 0{16}: .*; span 1{16}: .*; span 2{16}: .* \(5 spans rejected in all\)$/);
  });
});

describe('JSON decoder: undecodable documents are a 400', () => {
  it.each([
    ['invalid JSON', '{"resourceSpans": [', /^invalid JSON: /],
    ['a top-level array', '[]', /ExportTraceServiceRequest must be an object, got an array/],
    ['resourceSpans not an array', '{"resourceSpans": {}}', /resourceSpans must be an array, got an object/],
    ['a ResourceSpans that is a string', '{"resourceSpans": ["x"]}', /ResourceSpans must be an object, got "x"/],
    ['a span that is not an object', req().replace('"spans":[]', '"spans":[1]'), /Span must be an object, got 1/],
    ['a time that is not an integer', req({ startTimeUnixNano: '12.5' }), /Span.startTimeUnixNano must be an unsigned 64-bit integer/],
    ['a negative time', req({ endTimeUnixNano: -1 }), /Span.endTimeUnixNano must be an unsigned 64-bit integer/],
    ['a time beyond uint64', req({ startTimeUnixNano: '18446744073709551616' }), /startTimeUnixNano/],
    ['an unknown kind name', req({ kind: 'SPAN_KIND_WEIRD' }), /Span.kind must be an enum integer or name, got "SPAN_KIND_WEIRD"/],
    ['an attribute list that is an object', req({ attributes: {} }), /attributes must be an array/],
    ['an AnyValue that is a string', req({ attributes: [{ key: 'k', value: 'v' }] }), /AnyValue must be an object, got "v"/],
    ['an intValue that is a fraction', req({ attributes: [{ key: 'k', value: { intValue: 1.5 } }] }), /intValue must be a 64-bit integer/],
    ['an intValue beyond int64', req({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }), /intValue/],
    ['a boolValue that is a string', req({ attributes: [{ key: 'k', value: { boolValue: 'true' } }] }), /boolValue must be true or false/],
    ['bytesValue that is not base64', req({ attributes: [{ key: 'k', value: { bytesValue: 'a b' } }] }), /bytesValue must be base64/],
    ['a doubleValue that is text', req({ attributes: [{ key: 'k', value: { doubleValue: 'fast' } }] }), /doubleValue must be a number/],
    ['a name that is a number', req({ name: 5 }), /Span.name must be a string, got 5/],
    ['a negative count', req({ droppedAttributesCount: -1 }), /droppedAttributesCount must be an unsigned 32-bit integer/],
    ['an ID that is a number', req({ traceId: 5 }), /Span.traceId must be a hex string/],
  ])('%s', (_name, text, message) => {
    expectInvalid(text, message);
  });

  it('refuses values nested deeper than 64 levels', () => {
    let v: object = { stringValue: 'leaf' };
    for (let i = 0; i < 64; i++) v = { arrayValue: { values: [v] } };
    expect(JSON.stringify(attrValue(v))).toContain('leaf');
    expectInvalid(req({ attributes: [{ key: 'k', value: { arrayValue: { values: [v] } } }] }), /nested deeper than 64/);
  });
});
