import { describe, expect, it } from 'vitest';
import { decodeZipkinJson } from '../../src/ingest/zipkin-json.js';
import { decodeZipkinProto } from '../../src/ingest/zipkin-proto.js';
import { InvalidInputError } from '../../src/model/errors.js';
import * as pw from '../fixtures/proto-writer.js';

const span = (over: Record<string, unknown> = {}) => ({
  traceId: '463ac35c9f6413ad48485a3953bb6124',
  id: 'a2fb4a1d1a96d312',
  name: 'get',
  timestamp: 1_700_000_000_000_000,
  duration: 10,
  localEndpoint: { serviceName: 'api' },
  ...over,
});

describe('decodeZipkinJson (the receiver and the importer both call it)', () => {
  it('gives the SpanMetas the writer indexes, from a string or a Buffer alike', () => {
    const text = JSON.stringify([span({ kind: 'CLIENT', parentId: '0000000000000001', remoteEndpoint: { serviceName: 'db' } })]);
    const a = decodeZipkinJson(text);
    const b = decodeZipkinJson(Buffer.from(text));
    expect(b).toEqual(a);
    expect(a.rejected).toBe(0);
    expect(a.spans).toMatchObject([
      {
        traceId: '463ac35c9f6413ad48485a3953bb6124',
        spanId: 'a2fb4a1d1a96d312',
        parentSpanId: '0000000000000001',
        kind: 3,
        service: 'api',
        startTimeUnixNano: 1_700_000_000_000_000_000n,
        endTimeUnixNano: 1_700_000_000_000_010_000n,
        callee: 'db',
      },
    ]);
  });

  it('counts the spans it cannot store and says why: no timestamp here, an all-zero ID in the OTLP checks', () => {
    const d = decodeZipkinJson(JSON.stringify([span(), span({ id: 'b2fb4a1d1a96d312', timestamp: null }), span({ id: '0000000000000000' })]));
    expect(d.spans.map((s) => s.spanId)).toEqual(['a2fb4a1d1a96d312']);
    expect(d.rejected).toBe(2);
    expect(d.rejectionMessage).toMatch(/span 1 \(id b2fb4a1d1a96d312\): no timestamp/);
    expect(d.rejectionMessage).toMatch(/span_id must not be all zero/);
  });

  it('throws InvalidInputError naming the span index and field', () => {
    const bad = () => decodeZipkinJson(JSON.stringify([span(), span({ duration: 'soon' })]));
    expect(bad).toThrow(InvalidInputError);
    expect(bad).toThrow(/span 1: duration must be a non-negative integer \(microseconds\), got "soon"/);
  });

  it('groups spans by service into resources, and is deterministic (a retried request is the same request)', () => {
    const text = JSON.stringify([
      span({ id: '0000000000000001' }),
      span({ id: '0000000000000002', localEndpoint: { serviceName: 'web' } }),
      span({ id: '0000000000000003', shared: true, kind: 'SERVER' }),
    ]);
    const d = decodeZipkinJson(text);
    expect(d.spans.map((s) => s.service)).toEqual(['api', 'api', 'web']);
    expect(d.dimensions.filter((x) => x.kind === 'resource')).toHaveLength(2);
    expect(decodeZipkinJson(text)).toEqual(d);
  });
});

describe('decodeZipkinProto (zipkin.proto ListOfSpans)', () => {
  const T = 1_700_000_000_000_000n;
  const protoSpan = (...extra: Buffer[]) =>
    pw.sub(
      1,
      pw.hexBytes(1, '48485a3953bb6124'), // a 64-bit trace ID
      pw.hexBytes(2, '0000000000000001'),
      pw.hexBytes(3, 'a2fb4a1d1a96d312'),
      pw.varint(4, 1), // CLIENT
      pw.string(5, 'get'),
      pw.fixed64(6, T),
      pw.varint(7, 10),
      pw.sub(8, pw.string(1, 'api'), pw.bytes(2, Buffer.from([10, 0, 0, 7])), pw.varint(4, 8080)),
      pw.sub(9, pw.string(1, 'db'), pw.hexBytes(3, '20010db8000000000000000000000001'), pw.varint(4, 5432)),
      pw.sub(10, pw.fixed64(1, T + 3n), pw.string(2, 'ws')),
      pw.sub(11, pw.string(1, 'error'), pw.string(2, 'timeout')),
      pw.sub(11, pw.string(1, 'sql.table'), pw.string(2, 'orders')),
      pw.varint(12, true), // debug: ignored
      ...extra,
    );
  const same = span({
    traceId: '48485a3953bb6124',
    parentId: '0000000000000001',
    kind: 'CLIENT',
    timestamp: Number(T),
    localEndpoint: { serviceName: 'api', ipv4: '10.0.0.7', port: 8080 },
    remoteEndpoint: { serviceName: 'db', ipv6: '2001:db8::1', port: 5432 },
    annotations: [{ timestamp: Number(T) + 3, value: 'ws' }],
    tags: { error: 'timeout', 'sql.table': 'orders' },
    debug: true,
  });

  it('decodes to exactly what the same spans in JSON decode to (chunk bytes included)', () => {
    const fromProto = decodeZipkinProto(protoSpan());
    expect(fromProto.spans).toHaveLength(1);
    expect(fromProto.spans[0]).toMatchObject({ traceId: '000000000000000048485a3953bb6124', callee: 'db', statusCode: 2, error: true });
    expect(fromProto).toEqual(decodeZipkinJson(JSON.stringify([same])));
  });

  it('throws InvalidInputError naming the span and field', () => {
    const badId = pw.sub(1, pw.hexBytes(1, '48485a3953bb6124'), pw.hexBytes(3, 'a2fb'), pw.fixed64(6, T));
    expect(() => decodeZipkinProto(Buffer.concat([protoSpan(), badId]))).toThrow(/span 1: Span.id must be 8 bytes, got 2/);
    expect(() => decodeZipkinProto(protoSpan().subarray(0, 20))).toThrow(InvalidInputError);
  });
});
