import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ChunkFormatError, encodeSpans, readChunk, readChunkIndex, readChunkTyped, readDimension, readDimensionTyped,
} from '../../src/codec/index.js';
import { STATIC_STRINGS_V1 } from '../../src/codec/static-strings.js';
import type { EncodedChunk, SpanWithDimensions } from '../../src/codec/types.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import type { AttrValue } from '../../src/model/span.js';
import { readBack } from '../fixtures/otlp-model.js';
// @ts-expect-error -- plain JS, no types
import { makeRequests } from '../../bench/workload.js';

const TID = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_700_000_000_000_000_000n;

function span(i: number, over: Partial<SpanWithDimensions> = {}): SpanWithDimensions {
  return {
    traceId: TID, spanId: (i + 1).toString(16).padStart(16, '0'), parentSpanId: i === 0 ? '' : '0000000000000001', name: `op ${i % 7}`,
    kind: 1 + (i % 5), startTimeUnixNano: T0 + BigInt(i) * 1000n, endTimeUnixNano: T0 + BigInt(i) * 1000n + 500n,
    attributes: { 'http.route': `/r/${i % 3}`, n: i, unique: `value ${i}` }, resource: { attributes: { 'service.name': 'svc' } },
    scope: { name: 'lib' }, ...over,
  };
}

const one = (over: Partial<SpanWithDimensions> = {}): EncodedChunk => encodeSpans([span(0, over)]).chunks[0];

describe('the format, byte for byte', () => {
  it('the static strings of version 1 never change (stored chunks refer to them by position)', () => {
    expect(STATIC_STRINGS_V1).toHaveLength(64);
    expect(createHash('sha256').update(JSON.stringify(STATIC_STRINGS_V1)).digest('hex').slice(0, 16)).toBe('aaff9d653add2672');
    const [s] = readChunkTyped(one({ attributes: { 'http.route': 'GET', 'db.statement': 'middleware' }, name: 'http' }).data, TID);
    expect([s.name, s.attributes]).toEqual(['http', [{ key: 'http.route', value: { stringValue: 'GET' } }, { key: 'db.statement', value: { stringValue: 'middleware' } }]]);
  });

  it('a small chunk has exactly the documented layout (format.ts)', () => {
    const chunk = one({ attributes: { k: 'v', n: -1 }, name: 'op', parentSpanId: '', kind: 2, statusCode: 2, error: true, callee: '', address: '' });
    const hex = Buffer.from(chunk.data).toString('hex');
    const dims = encodeSpans([span(0)]).dimensions.map((d) => d.hash);
    expect(hex).toBe(
      '01' + // version
        '04' + '016b' + '0176' + '016e' + '026f70' + // literals 'k', 'v', 'n', 'op' (str 64..67: 0..63 are static-strings.ts)
        '02' + dims.join('') + // dimensions: resource, scope
        '00002a36fe9c9717' + // base start (the earliest span's), u64le
        '01' + // span count
        '23' + // span length
        '0000000000000001' + '00' + '00' + '04' + // span ID, no parent, flags, kind (zigzag 2)
        '00' + 'f403' + '01' + // start delta, duration 500, bits (failed)
        '43' + '00' + '04' + '00' + // name 'op' (str 67: literal 3), trace state '', status code (zigzag 2), message ''
        '00' + '01' + '00' + '00' + // resource dim 0, scope dim 1, callee '', address ''
        '02' + '40' + '0141' + '42' + '0401' + // attrs: 'k' (str 64) = string 'v' (65), 'n' (66) = int -1 (zigzag 1)
        '00' + '00' + '00' + '00' + '00', // dropped attrs, events, dropped events, links, dropped links
    );
  });
});

describe('readChunkIndex agrees with readChunk', () => {
  const requests = makeRequests('realistic', 2) as Array<{ protobuf: { buf: Buffer } }>;
  const keys = ['http.route', 'http.response.status_code', 'db.system.name', 'exception.type', 'server.port', 'no.such.key'];

  it.each([0, 1])('on realistic traffic, request %i', (n) => {
    const decoded = decodeProtobufRequest(requests[n].protobuf.buf);
    const back = readBack(decoded, keys);
    expect(back.spans).toHaveLength(512);
    const text = (v: AttrValue | undefined) =>
      typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' ? String(v) : undefined;
    back.index.forEach((ix, i) => {
      const s = back.spans[i];
      const t = back.typed[i];
      expect(ix).toEqual({
        spanId: s.spanId, parentSpanId: s.parentSpanId, kind: s.kind, flags: s.flags, startNs: s.startTimeUnixNano,
        endNs: s.endTimeUnixNano, error: s.error, name: s.name, callee: t.callee, address: t.address, statusCode: s.statusCode,
        resource: t.resource, scope: t.scope,
        values: keys.flatMap((k) => (text(s.attributes[k]) === undefined ? [] : [[k, text(s.attributes[k])!]])).sort(byKeyOrder(Object.keys(s.attributes))),
        eventValues: s.events.flatMap((e) => keys.flatMap((k) => (text(e.attributes[k]) === undefined ? [] : [[k, text(e.attributes[k])!]])).sort(byKeyOrder(Object.keys(e.attributes)))),
      });
    });
    expect(back.index.some((ix) => ix.eventValues.length > 0)).toBe(true);
    expect(back.index.some((ix) => ix.error)).toBe(true);
  });

  it('gives ints, doubles, booleans and bytes in the attribute search text form, and skips the rest', () => {
    const chunk = one({
      attributes: [
        { key: 'i', value: { intValue: 2n ** 63n - 1n } }, { key: 'd', value: { doubleValue: 1.5 } }, { key: 'nan', value: { doubleValue: NaN } },
        { key: 'b', value: { boolValue: false } }, { key: 'y', value: { bytesValue: new Uint8Array([0xfb, 0xff]) } },
        { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }] } } }, { key: 'e', value: {} }, { key: 's', value: { stringValue: '' } },
      ],
    });
    const [ix] = readChunkIndex(chunk.data, new Set(['i', 'd', 'nan', 'b', 'y', 'a', 'e', 's']));
    expect(ix.values).toEqual([['i', '9223372036854775807'], ['d', '1.5'], ['nan', 'NaN'], ['b', 'false'], ['y', '+/8='], ['s', '']]);
    expect(readChunkIndex(chunk.data, [])[0].values).toEqual([]);
  });
});

function byKeyOrder(order: string[]) {
  return (a: string[], b: string[]) => order.indexOf(a[0]) - order.indexOf(b[0]);
}

describe('a chunk with many spans', () => {
  it('5,000 spans and thousands of literals round-trip', () => {
    const spans = Array.from({ length: 5000 }, (_, i) => span(i, { events: i % 100 === 0 ? [{ name: 'e', timeUnixNano: T0, attributes: { i } }] : [] }));
    const d = encodeSpans(spans);
    expect(d.chunks).toHaveLength(1);
    expect(d.chunks[0].spanCount).toBe(5000);
    const dims = new Map(d.dimensions.map((x) => [x.hash, readDimension(x.data)]));
    const back = readChunk(d.chunks[0].data, TID, dims);
    expect(back.map((s) => [s.spanId, s.startTimeUnixNano, s.attributes])).toEqual(spans.map((s) => [s.spanId, s.startTimeUnixNano, s.attributes]));
    expect(readChunkIndex(d.chunks[0].data, ['unique']).map((s) => s.values[0][1])).toEqual(spans.map((_, i) => `value ${i}`));
    // Keys and values repeated across spans are stored once; the commonest keys are not stored at all.
    const text = Buffer.from(d.chunks[0].data).toString('latin1');
    expect(text.split('unique').length - 1).toBe(1);
    expect(text.split('/r/1').length - 1).toBe(1);
    expect(text.includes('http.route')).toBe(false);
  });
});

describe('corrupt bytes end in a clear error, never a hang', () => {
  const chunk = encodeSpans([span(0, { events: [{ name: 'e', timeUnixNano: T0, attributes: { x: [1, { y: 'z' }] } }], links: [{ traceId: TID, spanId: '0000000000000002', attributes: { l: 1.5 } }] }), span(1)]).chunks[0];
  const data = Buffer.from(chunk.data);
  const readers = [
    (b: Uint8Array) => readChunkTyped(b, TID),
    (b: Uint8Array) => readChunkIndex(b, ['x', 'http.route']),
  ];

  it('every truncation of a chunk is refused', () => {
    for (let n = 0; n < data.length; n++) {
      for (const read of readers) expect(() => read(data.subarray(0, n)), `prefix ${n}`).toThrow(ChunkFormatError);
    }
  });

  it('random byte changes either read or throw ChunkFormatError', () => {
    let seed = 11;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(data);
      for (let k = 0; k < 1 + (i % 3); k++) b[next() % b.length] = next() & 0xff;
      for (const read of readers) {
        try {
          read(b);
        } catch (err) {
          if (!(err instanceof ChunkFormatError)) throw new Error(`mutation ${i}: ${String(err)}`);
        }
      }
    }
  });

  it('says what is wrong and where', () => {
    expect(() => readChunkTyped(Buffer.from([2]), TID)).toThrow(/^corrupt chunk: unsupported chunk version 2 at byte 0$/);
    expect(() => readChunkTyped(Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0x0f]), TID)).toThrow(/count 4294967295 larger than the 0 bytes left at byte 1/);
    expect(() => readChunkTyped(Buffer.concat([data, Buffer.from([0])]), TID)).toThrow(/1 bytes left over after the last span/);
    const badType = Buffer.from(data);
    badType[badType.lastIndexOf(0x05) /* the double's type */] = 0x09;
    expect(() => readChunkTyped(badType, TID)).toThrow(ChunkFormatError);
  });

  it('dimensions too', () => {
    const dim = Buffer.from(encodeSpans([span(0)]).dimensions[0].data);
    for (let n = 0; n < dim.length; n++) {
      expect(() => readDimension(dim.subarray(0, n))).toThrow(ChunkFormatError);
      expect(() => readDimensionTyped(dim.subarray(0, n))).toThrow(ChunkFormatError);
    }
    expect(() => readDimension(Buffer.from([1, 7]))).toThrow(/unknown dimension kind 7/);
  });
});
