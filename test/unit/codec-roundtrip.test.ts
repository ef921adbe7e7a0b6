import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ChunkEncoder, encodeResource, encodeScope, encodeSpans, readChunk, readChunkTyped, readDimension, readDimensionTyped,
} from '../../src/codec/index.js';
import type { SpanWithDimensions, TypedKeyValue, TypedValue } from '../../src/codec/types.js';
import type { Attributes } from '../../src/model/span.js';

const TID = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_700_000_000_000_000_000n;

function span(over: Partial<SpanWithDimensions> = {}): SpanWithDimensions {
  return {
    traceId: TID, spanId: 'b7ad6b7169203331', name: 'op', kind: 2, startTimeUnixNano: T0, endTimeUnixNano: T0 + 1000n,
    attributes: {}, resource: { attributes: { 'service.name': 'svc' } }, scope: { name: 'lib', version: '1' }, ...over,
  };
}

/** Typed attributes through a chunk and back. */
function typedRoundTrip(attributes: TypedKeyValue[]): TypedKeyValue[] {
  const { chunks } = encodeSpans([span({ attributes })]);
  return readChunkTyped(chunks[0].data, TID)[0].attributes;
}

function readModelRoundTrip(attributes: Attributes): Attributes {
  const d = encodeSpans([span({ attributes })]);
  const dims = new Map(d.dimensions.map((x) => [x.hash, readDimension(x.data)]));
  return readChunk(d.chunks[0].data, TID, dims)[0].attributes;
}

const kv = (key: string, value: TypedValue): TypedKeyValue => ({ key, value });

describe('every value type survives a chunk', () => {
  it.each([
    ['strings', [kv('s', { stringValue: 'hello' }), kv('empty', { stringValue: '' }), kv('unicode', { stringValue: 'é 😀 \u2028 \u0000 ключ' }), kv('long', { stringValue: 'x'.repeat(70_000) })]],
    ['booleans', [kv('t', { boolValue: true }), kv('f', { boolValue: false })]],
    ['ints at every width, int64 min and max', [0n, 1n, -1n, 63n, -64n, 64n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 52n, -(2n ** 52n), 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)].map((i, n) => kv(`i${n}`, { intValue: i }))],
    ['doubles, NaN, ±Infinity and -0 included', [0, -0, 1.5, -2.25, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity, 2 ** 53, 123].map((d, n) => kv(`d${n}`, { doubleValue: d }))],
    ['bytes', [kv('b', { bytesValue: new Uint8Array([0, 1, 254, 255]) }), kv('none', { bytesValue: new Uint8Array(0) }), kv('all', { bytesValue: new Uint8Array(256).map((_, i) => i) })]],
    ['empty values', [kv('e', {}), kv('e2', {})]],
    ['arrays and kvlists, nested and empty', [
      kv('a', { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1n }, {}, { arrayValue: { values: [] } }, { kvlistValue: { values: [kv('k', { doubleValue: 0.5 })] } }] } }),
      kv('kv', { kvlistValue: { values: [kv('inner', { kvlistValue: { values: [kv('deep', { arrayValue: { values: [{ boolValue: true }] } })] } }), kv('', { stringValue: 'empty key' })] } }),
      kv('ea', { arrayValue: { values: [] } }), kv('ekv', { kvlistValue: { values: [] } }),
    ]],
    ['odd keys', [kv('', { stringValue: 'empty' }), kv('__proto__', { intValue: 1n }), kv('1', { stringValue: 'integer-like' }), kv('ключ 😀', { boolValue: true })]],
  ])('%s', (_name, attributes) => {
    const back = typedRoundTrip(attributes as TypedKeyValue[]);
    expect(back).toEqual(attributes);
    // toEqual treats NaN as NaN, but not -0 as 0: check the sign of zero explicitly.
    (attributes as TypedKeyValue[]).forEach((a, i) => {
      if ('doubleValue' in a.value) expect(Object.is((back[i].value as { doubleValue: number }).doubleValue, a.value.doubleValue)).toBe(true);
    });
  });

  it('a repeated key keeps its first position and last value, at any depth', () => {
    expect(typedRoundTrip([kv('a', { intValue: 1n }), kv('b', { intValue: 2n }), kv('a', { stringValue: 'last' }),
      kv('k', { arrayValue: { values: [{ kvlistValue: { values: [kv('x', { intValue: 1n }), kv('x', { intValue: 2n })] } }] } })])).toEqual([
      kv('a', { stringValue: 'last' }), kv('b', { intValue: 2n }),
      kv('k', { arrayValue: { values: [{ kvlistValue: { values: [kv('x', { intValue: 2n })] } }] } }),
    ]);
  });

  it('read-model attributes map to OTLP types and back', () => {
    const attrs: Attributes = {
      s: 'x', n: 42, neg: -7, big: 2 ** 60, f: 1.5, t: true, nul: null, arr: [1, 'a', [false]], obj: { k: { deep: 'v' } },
      nan: 'NaN', '': 'empty key',
    };
    expect(readModelRoundTrip(attrs)).toEqual(attrs);
    const { chunks } = encodeSpans([span({ attributes: { n: 42, f: 1.5, big: 2 ** 60, one: 1.0 } })]);
    expect(readChunkTyped(chunks[0].data, TID)[0].attributes).toEqual([
      kv('n', { intValue: 42n }), kv('f', { doubleValue: 1.5 }), kv('big', { doubleValue: 2 ** 60 }), kv('one', { intValue: 1n }),
    ]);
  });

  it('refuses what it cannot store exactly', () => {
    expect(() => encodeSpans([span({ attributes: [kv('i', { intValue: 2n ** 63n })] })])).toThrow(/int64/);
    expect(() => encodeSpans([span({ traceId: 'ABC' })])).toThrow(/trace ID/);
    expect(() => encodeSpans([span({ spanId: 'B7AD6B7169203331' })])).toThrow(/span ID/);
    expect(() => encodeSpans([span({ endTimeUnixNano: T0 - 1n })])).toThrow(/before start/);
    let deep: Attributes[string] = 'leaf';
    for (let i = 0; i < 65; i++) deep = [deep];
    expect(() => encodeSpans([span({ attributes: { deep } })])).toThrow(/deeper than 64/);
  });
});

describe('span fields', () => {
  it('every field round-trips, times exact at the edges of uint64', () => {
    const s = span({
      spanId: 'ffffffffffffffff', parentSpanId: '0102030405060708', traceState: 'a=1,b=2', flags: 0xffffffff, kind: -1,
      startTimeUnixNano: 2n ** 64n - 10n, endTimeUnixNano: 2n ** 64n - 1n, droppedAttributesCount: 0xffffffff,
      events: [
        { name: 'before', timeUnixNano: 0n, attributes: { a: 1 }, droppedAttributesCount: 2 },
        { name: 'after', timeUnixNano: 2n ** 64n - 1n },
      ],
      droppedEventsCount: 3,
      links: [{ traceId: 'ab', spanId: '', traceState: 'x=y', attributes: [kv('l', { boolValue: true })], droppedAttributesCount: 4, flags: 0x300 }],
      droppedLinksCount: 5, statusCode: 2, statusMessage: 'failed: "quoted"', error: true, callee: 'db:5432', address: 'web:80',
    });
    const other = span({ spanId: '1111111111111111', startTimeUnixNano: 0n, endTimeUnixNano: 2n ** 64n - 1n, kind: 2147483647, statusCode: -5 });
    const { chunks } = encodeSpans([s, other]);
    const [a, b] = readChunkTyped(chunks[0].data, TID);
    expect(a).toMatchObject({
      spanId: 'ffffffffffffffff', parentSpanId: '0102030405060708', traceState: 'a=1,b=2', flags: 0xffffffff, kind: -1,
      startTimeUnixNano: 2n ** 64n - 10n, endTimeUnixNano: 2n ** 64n - 1n, droppedAttributesCount: 0xffffffff, droppedEventsCount: 3,
      droppedLinksCount: 5, statusCode: 2, statusMessage: 'failed: "quoted"', error: true, callee: 'db:5432', address: 'web:80',
    });
    expect(a.events).toEqual([
      { name: 'before', timeUnixNano: 0n, attributes: [kv('a', { intValue: 1n })], droppedAttributesCount: 2 },
      { name: 'after', timeUnixNano: 2n ** 64n - 1n, attributes: [], droppedAttributesCount: 0 },
    ]);
    expect(a.links).toEqual([{ traceId: 'ab', spanId: '', traceState: 'x=y', attributes: [kv('l', { boolValue: true })], droppedAttributesCount: 4, flags: 0x300 }]);
    expect(b).toMatchObject({ startTimeUnixNano: 0n, endTimeUnixNano: 2n ** 64n - 1n, kind: 2147483647, statusCode: -5 });
  });

  it('decides error, callee and address as ingest does unless told', () => {
    const client = span({ kind: 3, attributes: { 'server.address': 'db', 'server.port': 5432, 'http.response.status_code': 503 } });
    const server = span({ spanId: '2222222222222222', kind: 2, attributes: { 'server.address': '127.0.0.1', 'server.port': 8080 } });
    const { chunks } = encodeSpans([client, server]);
    const [c, s] = readChunkTyped(chunks[0].data, TID);
    expect([c.error, c.callee, c.address]).toEqual([true, 'db:5432', '']);
    expect([s.error, s.callee, s.address]).toEqual([false, '', 'localhost:8080']);
  });
});

describe('dimensions', () => {
  it('the same content gives the same bytes and hash; the hash is the first 8 bytes of SHA-256 of the bytes', () => {
    const a = encodeResource({ attributes: { 'service.name': 'svc', 'host.name': 'h', n: 1 } });
    const b = encodeResource({ attributes: [kv('service.name', { stringValue: 'svc' }), kv('host.name', { stringValue: 'h' }), kv('n', { intValue: 1n })] });
    expect(b).toEqual(a);
    expect(a.hash).toBe(createHash('sha256').update(a.data).digest('hex').slice(0, 16));
    expect(a).toMatchObject({ kind: 'resource', serviceName: 'svc' });
    expect(encodeResource({ attributes: { 'service.name': 'svc', 'host.name': 'h', n: 2 } }).hash).not.toBe(a.hash);
    expect(encodeResource({ attributes: { 'service.name': 'svc', 'host.name': 'h', n: 1 }, droppedAttributesCount: 1 }).hash).not.toBe(a.hash);
    // A resource and a scope never share a hash, whatever their content.
    expect(encodeScope({ attributes: {} }).hash).not.toBe(encodeResource({ attributes: {} }).hash);
  });

  it('read back in both forms', () => {
    const r = encodeResource({ attributes: { 'service.name': 'svc', pid: 42 }, droppedAttributesCount: 3 });
    expect(readDimension(r.data)).toEqual({ kind: 'resource', serviceName: 'svc', attributes: { 'service.name': 'svc', pid: 42 }, droppedAttributesCount: 3 });
    expect(readDimensionTyped(r.data)).toEqual({ kind: 'resource', attributes: [kv('service.name', { stringValue: 'svc' }), kv('pid', { intValue: 42n })], droppedAttributesCount: 3 });
    const s = encodeScope({ name: '@opentelemetry/instrumentation-http', version: '0.223.0', attributes: { a: true }, droppedAttributesCount: 1 });
    expect(readDimension(s.data)).toEqual({ kind: 'scope', name: '@opentelemetry/instrumentation-http', version: '0.223.0', attributes: { a: true }, droppedAttributesCount: 1 });
    expect(readDimension(encodeResource({ attributes: { 'service.name': 7 } }).data)).toMatchObject({ serviceName: 'unknown_service' });
    expect(encodeResource({ attributes: {} }).serviceName).toBe('unknown_service');
  });

  it('encodeSpans shares one dimension between spans of equal resources', () => {
    const d = encodeSpans([span(), span({ spanId: '3333333333333333', resource: { attributes: { 'service.name': 'svc' } } })]);
    expect(d.dimensions.map((x) => x.kind)).toEqual(['resource', 'scope']);
  });
});

describe('ChunkEncoder', () => {
  it('adds the spans of one trace one by one', () => {
    const res = encodeResource({ attributes: { 'service.name': 'svc' } });
    const scope = encodeScope({ name: 'lib' });
    const enc = new ChunkEncoder(TID);
    enc.addSpan(span(), res, scope);
    enc.addSpan(span({ spanId: '4444444444444444', startTimeUnixNano: T0 - 5n }), res.hash, scope.hash);
    const chunk = enc.finish();
    expect(chunk).toMatchObject({ traceId: TID, spanCount: 2 });
    const dims = new Map([res, scope].map((d) => [d.hash, readDimension(d.data)]));
    const spans = readChunk(chunk.data, TID, (h) => dims.get(h));
    expect(spans.map((s) => [s.spanId, s.startTimeUnixNano, s.service, s.scope.name])).toEqual([
      ['b7ad6b7169203331', T0, 'svc', 'lib'],
      ['4444444444444444', T0 - 5n, 'svc', 'lib'],
    ]);
    expect(() => enc.addSpan(span(), res, scope)).toThrow(/after finish/);
    expect(() => new ChunkEncoder(TID).addSpan(span({ traceId: '1'.repeat(32) }), res, scope)).toThrow(/added to the chunk/);
  });

  it('readChunk refuses a chunk whose dimensions it is not given', () => {
    const { chunks } = encodeSpans([span()]);
    expect(() => readChunk(chunks[0].data, TID, new Map())).toThrow(/not among the dimensions given/);
  });
});
