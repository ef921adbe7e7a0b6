import zlib from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordRichTrace } from '../helpers/sdk.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer({ listen: false });
});
afterEach(async () => {
  await server.close();
});

const post = (body: Buffer | string, headers: Record<string, string>) =>
  server.otlp.inject({ method: 'POST', url: '/v1/traces', payload: body, headers });

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

function jsonSpan(spanId: string, start: string, end: string) {
  return { traceId: 'AB'.repeat(16), spanId, name: 'op', kind: 2, startTimeUnixNano: start, endTimeUnixNano: end };
}
function jsonRequest(spans: object[]) {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }],
  });
}
function storedSpanCount(): number {
  return server.reader.services().reduce((n, s) => n + s.spanCount, 0);
}

describe('POST /v1/traces', () => {
  it('stores a protobuf export and answers an empty ExportTraceServiceResponse', async () => {
    const spans = await recordRichTrace();
    const res = await post(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), PB);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload.length).toBe(0);
    expect(server.reader.getTrace(spans[0].spanContext().traceId)).toHaveLength(3);
  });

  it('stores a JSON export, with parameters on the media type, and answers {}', async () => {
    const spans = await recordRichTrace();
    const res = await post(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({});
    expect(server.reader.getTrace(spans[0].spanContext().traceId)).toHaveLength(3);
  });

  it('accepts gzip bodies', async () => {
    const spans = await recordRichTrace();
    const body = zlib.gzipSync(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
    const res = await post(body, { ...PB, 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(storedSpanCount()).toBe(3);
  });

  it('is idempotent on (traceId, spanId): a retried export stores nothing twice', async () => {
    const spans = await recordRichTrace();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    await post(body, PB);
    await post(body, PB);
    expect(storedSpanCount()).toBe(3);
    const [summary] = server.reader.findTraces({ errorOnly: false, attrs: [], limit: 10 });
    expect(summary.spanCount).toBe(3);
  });

  it('answers partial_success for invalid spans and keeps the valid ones', async () => {
    const body = jsonRequest([
      jsonSpan('00000000000000a1', '1000', '2000'),
      jsonSpan('00000000000000a2', '5000', '4000'),
      jsonSpan('0000000000000000', '1000', '2000'),
    ]);
    const res = await post(body, JSON_CT);
    expect(res.statusCode).toBe(200);
    const partial = res.json().partialSuccess;
    expect(Number(partial.rejectedSpans)).toBe(2);
    expect(partial.errorMessage).toMatch(/end|zero/i);
    expect(server.reader.getTrace('ab'.repeat(16)).map((s) => s.spanId)).toEqual(['00000000000000a1']);
  });

  it('answers partial_success in protobuf for a protobuf request', async () => {
    const spans = await recordRichTrace();
    const buf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    // Flip the end time of the last span before its start: find it by re-encoding is overkill, so send
    // one bad span through a hand-made message: field 1 ResourceSpans > 2 ScopeSpans > 2 Span with a 4-byte trace id.
    const badSpan = Buffer.from([0x0a, 0x04, 1, 2, 3, 4, 0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]);
    const scope = Buffer.concat([Buffer.from([0x12, badSpan.length]), badSpan]);
    const rs = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    const body = Buffer.concat([buf, Buffer.from([0x0a, rs.length]), rs]);
    const res = await post(body, PB);
    expect(res.statusCode).toBe(200);
    // ExportTraceServiceResponse{1: ExportTracePartialSuccess{1: rejected_spans=1, 2: message}}
    const payload = res.rawPayload;
    expect(payload[0]).toBe(0x0a);
    expect(payload[2]).toBe(0x08);
    expect(payload[3]).toBe(1);
    expect(payload.toString('utf8')).toMatch(/trace/i);
    expect(storedSpanCount()).toBe(3);
  });

  it.each([
    ['truncated protobuf', PB, () => Buffer.from([0x0a, 0x20, 0x12])],
    ['protobuf with a group wire type', PB, () => Buffer.from([0x0b, 0x0c])],
    ['invalid JSON', JSON_CT, () => Buffer.from('{"resourceSpans": [')],
    ['JSON of the wrong shape', JSON_CT, () => Buffer.from('{"resourceSpans": 7}')],
    ['gzip that is not gzip', { ...PB, 'content-encoding': 'gzip' }, () => Buffer.from('plain')],
  ])('answers 400 with a google.rpc.Status for %s and stores nothing', async (_name, headers, body) => {
    const res = await post(body(), headers);
    expect(res.statusCode).toBe(400);
    if (headers['content-type'] === 'application/json') {
      expect(res.json()).toMatchObject({ code: 3, message: expect.any(String) });
    } else {
      expect(res.headers['content-type']).toBe('application/x-protobuf');
      expect(res.rawPayload[0]).toBe(0x08); // field 1 code, varint
      expect(res.rawPayload.length).toBeGreaterThan(4);
    }
    expect(storedSpanCount()).toBe(0);
  });

  it('answers 415 for an unsupported media type or content encoding', async () => {
    const a = await post('hello', { 'content-type': 'text/plain' });
    expect(a.statusCode).toBe(415);
    expect(a.json().message).toMatch(/Content-Type/);
    const b = await post('x', { ...JSON_CT, 'content-encoding': 'br' });
    expect(b.statusCode).toBe(415);
  });

  it('answers 413 beyond 64 MiB, and for a gzip bomb, without losing stored spans', async () => {
    const spans = await recordRichTrace();
    await post(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), PB);
    const bomb = zlib.gzipSync(Buffer.alloc(65 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await post(bomb, { ...PB, 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const big = await post(Buffer.alloc(64 * 1024 * 1024 + 1), JSON_CT);
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toBeTruthy();
    expect(storedSpanCount()).toBe(3);
  });

  it('answers the CORS preflight of browser exporters', async () => {
    const res = await server.otlp.inject({
      method: 'OPTIONS',
      url: '/v1/traces',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(res.headers['access-control-allow-headers']).toMatch(/content-type/);
    const post2 = await server.otlp.inject({ method: 'POST', url: '/v1/traces', payload: '{}', headers: { ...JSON_CT, origin: 'http://localhost:3000' } });
    expect(post2.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers metrics and logs exports with success so SDK defaults log no errors, but checks them', async () => {
    for (const url of ['/v1/metrics', '/v1/logs']) {
      const ok = await server.otlp.inject({ method: 'POST', url, payload: Buffer.alloc(0), headers: PB });
      expect(ok.statusCode).toBe(200);
      expect(ok.rawPayload.length).toBe(0);
      const bad = await server.otlp.inject({ method: 'POST', url, payload: 'x', headers: { 'content-type': 'text/plain' } });
      expect(bad.statusCode).toBe(415);
    }
    expect(storedSpanCount()).toBe(0);
  });

  it('is served on the UI port too', async () => {
    const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: '{}', headers: JSON_CT });
    expect(res.statusCode).toBe(200);
  });
});

describe('a full write queue', () => {
  it('answers 503 with Retry-After, and commits what it accepted', async () => {
    await server.close();
    server = await startServer({ listen: false, queueSpans: 1 });
    const one = (i: number) => jsonRequest([jsonSpan(i.toString(16).padStart(16, '0'), '1000', '2000')]);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(one(i + 1), JSON_CT)));
    const codes = results.map((r) => r.statusCode);
    expect(codes).toContain(503);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    const refused = results.find((r) => r.statusCode === 503)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().message).toMatch(/queue is full/);
    expect(storedSpanCount()).toBe(codes.filter((c) => c === 200).length);
  });
});
