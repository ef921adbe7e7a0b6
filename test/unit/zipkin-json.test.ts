import { describe, expect, it } from 'vitest';
import { decodeZipkinJson } from '../../src/ingest/zipkin-json.js';
import { InvalidInputError } from '../../src/model/errors.js';

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
