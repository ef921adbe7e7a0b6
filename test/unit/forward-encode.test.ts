import { describe, expect, it } from 'vitest';
import { encodeExport, partialSuccess } from '../../src/forward/encode.js';
import { backoffMs, retryAfterMs } from '../../src/forward/retry.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import { readBack, toProtobuf, type TResource, type TSpan } from '../fixtures/otlp-model.js';
import { msg, string, sub, varint } from '../fixtures/proto-writer.js';

function span(traceId: string, spanId: string, attrs: TSpan['attrs']): TSpan {
  return {
    traceId, spanId, parentSpanId: '', traceState: '', flags: 1, name: `s-${spanId}`, kind: 2, start: 1000n, end: 2000n, attrs,
    droppedAttrs: 0, events: [], droppedEvents: 0, links: [], droppedLinks: 0, statusCode: 0, statusMessage: '',
  };
}

function req(traceId: string, spanId: string, service: string): Buffer {
  const r: TResource = {
    attrs: [['service.name', { s: service }]], dropped: 0,
    scopes: [{ name: 'lib', version: '1', attrs: [], dropped: 0, legacy: false, spans: [span(traceId, spanId, [['d', { d: 1 }], ['b', { bytes: Buffer.from([9]) }]])] }],
  };
  return toProtobuf([r]);
}

const T1 = '0af7651916cd43dd8448eb211c80319c';
const T2 = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('encodeExport', () => {
  it('writes the spans of several requests and traces as one ExportTraceServiceRequest that decodes back to them', () => {
    // Decoded one after the other, as ingest does: each request keeps its own bytes.
    const a = decodeProtobufRequest(req(T1, '00f067aa0ba902b7', 'shop'));
    const b = decodeProtobufRequest(req(T2, '00f067aa0ba902b8', 'shop'));
    const c = decodeProtobufRequest(req(T2, '00f067aa0ba902b9', 'billing'));
    const queued = [a, b, c].map((d) => ({ chunks: d.chunks, dimensions: d.dimensions, spans: d.spans.length }));
    const back = decodeProtobufRequest(Buffer.from(encodeExport(queued)));
    const typed = (d: typeof a) => readBack(d).typed;
    expect(typed(back)).toEqual([...typed(a), ...typed(b), ...typed(c)]);
    // Equal resources (same hash) are written once: two resources, not three.
    expect(new Set(back.dimensions.filter((d) => d.kind === 'resource').map((d) => d.hash)).size).toBe(2);
    expect(back.chunks.map((ch) => ch.traceId).sort()).toEqual([T1, T2]);
  });
});

describe('partialSuccess', () => {
  it('reads rejected_spans and error_message of an ExportTraceServiceResponse', () => {
    expect(partialSuccess(msg(sub(1, varint(1, 3), string(2, 'too old'))))).toEqual({ rejected: 3, message: 'too old' });
    expect(partialSuccess(new Uint8Array())).toEqual({ rejected: 0, message: '' });
    expect(partialSuccess(Buffer.from('<html>ok</html>'))).toEqual({ rejected: 0, message: '' });
  });
});

describe('retry timing', () => {
  const opts = { initialMs: 1000, maxMs: 30_000 };
  it('doubles from 1 s to 30 s with jitter of ±50 %', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, opts, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffMs(0, opts, () => 0)).toBe(500);
    expect(backoffMs(5, opts, () => 0.999999)).toBe(45_000);
  });

  it('reads Retry-After as seconds or an HTTP date, capped; anything else is no hint', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('2', now, 300_000)).toBe(2000);
    expect(retryAfterMs(' 0 ', now, 300_000)).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', now, 300_000)).toBe(30_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:00:00 GMT', now, 300_000)).toBe(0);
    expect(retryAfterMs('86400', now, 300_000)).toBe(300_000);
    expect(retryAfterMs('-1', now, 300_000)).toBeUndefined();
    expect(retryAfterMs('soon', now, 300_000)).toBeUndefined();
    expect(retryAfterMs(null, now, 300_000)).toBeUndefined();
  });
});
