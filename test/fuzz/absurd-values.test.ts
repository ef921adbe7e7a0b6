import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, bytes, double, fixed64, hexBytes, msg, requestWithSpans, spanBody, string, sub } from '../fixtures/proto-writer.js';
import { protoFields, rawClient } from '../helpers/grpc.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Absurd values, each with the defined outcome the README's "Limits and hostile input" table states: stored,
 * truncated with a mark, or rejected with a reason. Through the real HTTP routes (inject) of a whole server.
 */

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };
let n = 0;
/** A fresh trace ID per case, so cases never see each other's spans. */
const traceId = () => (++n).toString(16).padStart(8, '0').repeat(4);
const SID = 'eee19b7ec3c1b174';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => {
  await server.close();
});

const post = (body: Buffer | string, headers: Record<string, string>, s = server) =>
  s.otlp.inject({ method: 'POST', url: '/v1/traces', payload: body, headers });

/** requestWithSpans for very many spans (or a span of very many fields): no argument spreading, which overflows the stack. */
function bigRequest(spans: Buffer[]): Buffer {
  const scope = Buffer.concat([sub(1, string(1, 'lib')), ...chunked(spans.map((x) => sub(2, x)))]);
  return bytes(1, Buffer.concat([sub(1, attr(1, 'service.name', string(1, 'svc'))), bytes(2, scope)]));
}
function chunked(parts: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < parts.length; i += 10_000) out.push(Buffer.concat(parts.slice(i, i + 10_000)));
  return out;
}

function jsonRequest(tid: string, span: object): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'absurd' } }] },
      scopeSpans: [{ spans: [{ traceId: tid, spanId: SID, name: 'op', startTimeUnixNano: '1000', endTimeUnixNano: '2000', ...span }] }],
    }],
  });
}

describe('absurd values', () => {
  it('a 10 MB string value is cut to --max-attribute-length (64 KiB) at a character boundary and marked', async () => {
    // 'é' is 2 bytes: 65,536 falls on a character's second byte only if the cut is not UTF-8-aware (odd offset 1).
    const big = 'x' + 'é'.repeat(5_000_000);
    const tid = traceId();
    const res = await post(requestWithSpans(spanBody(tid, SID, 1000n, 2000n, attr(9, 'big', string(1, big)), attr(9, 'small', string(1, 'ok')))), PB);
    expect(res.statusCode).toBe(200);
    const [span] = server.reader.getTrace(tid);
    const value = span.attributes.big as string;
    expect(Buffer.byteLength(value)).toBe(65_535);
    expect(value).toBe(big.slice(0, 32_768));
    expect(span.attributes.small).toBe('ok');
    expect(span.attributes['tracelite.truncated']).toEqual(['big']);
  });

  it('the same over OTLP/JSON (fast path and escaped strings) and Zipkin, byte for byte alike', async () => {
    const big = 'y'.repeat(100_000);
    const escaped = 'a\\n' + 'z'.repeat(100_000);
    const tid = traceId();
    const attributes = [
      { key: 'plain', value: { stringValue: big } },
      { key: 'nested', value: { kvlistValue: { values: [{ key: 'inner', value: { arrayValue: { values: [{ stringValue: big }] } } }] } } },
    ];
    expect((await post(jsonRequest(tid, { attributes }), JSON_CT)).statusCode).toBe(200);
    const [span] = server.reader.getTrace(tid);
    expect(span.attributes.plain).toBe(big.slice(0, 65_536));
    expect(span.attributes.nested).toEqual({ inner: [big.slice(0, 65_536)] });
    expect(span.attributes['tracelite.truncated']).toEqual(['plain', 'nested']);

    const tid2 = traceId();
    const body = jsonRequest(tid2, { attributes: [{ key: 'esc', value: { stringValue: JSON.parse(`"${escaped}"`) } }] });
    expect((await post(body, JSON_CT)).statusCode).toBe(200);
    expect(Buffer.byteLength(server.reader.getTrace(tid2)[0].attributes.esc as string)).toBe(65_536);

    const tid3 = traceId();
    const zipkin = JSON.stringify([{ traceId: tid3, id: SID, name: 'op', timestamp: 1, duration: 1, localEndpoint: { serviceName: 'z' }, tags: { t: big } }]);
    const z = await server.zipkin.inject({ method: 'POST', url: '/api/v2/spans', payload: zipkin, headers: JSON_CT });
    expect(z.statusCode).toBe(202);
    const [zs] = server.reader.getTrace(tid3);
    expect(zs.attributes.t).toBe(big.slice(0, 65_536));
    expect(zs.attributes['tracelite.truncated']).toEqual(['t']);
  });

  it('bytes values are cut too; event, link and resource attributes are marked in their own list', async () => {
    const tid = traceId();
    const blob = Buffer.alloc(70_000, 7);
    const event = sub(11, fixed64(1, 1500n), string(2, 'ev'), attr(3, 'payload', hexBytes(7, blob.toString('hex'))));
    const req = requestWithSpans(spanBody(tid, SID, 1000n, 2000n, event));
    expect((await post(req, PB)).statusCode).toBe(200);
    const [span] = server.reader.getTrace(tid);
    expect(span.attributes['tracelite.truncated']).toBeUndefined();
    const ev = span.events[0];
    expect(Buffer.from(ev.attributes.payload as string, 'base64')).toEqual(blob.subarray(0, 65_536));
    expect(ev.attributes['tracelite.truncated']).toEqual(['payload']);
  });

  it('--max-attribute-length 0 keeps a 10 MB value whole', async () => {
    const whole = await startServer({ listen: false, maxAttributeLength: 0 });
    try {
      const big = 'w'.repeat(10 * 1024 * 1024);
      const tid = traceId();
      expect((await post(requestWithSpans(spanBody(tid, SID, 1000n, 2000n, attr(9, 'big', string(1, big)))), PB, whole)).statusCode).toBe(200);
      const [span] = whole.reader.getTrace(tid);
      expect((span.attributes.big as string).length).toBe(big.length);
      expect(span.attributes['tracelite.truncated']).toBeUndefined();
    } finally {
      await whole.close();
    }
  });

  it('100,000 attributes on one span are all stored', async () => {
    const tid = traceId();
    const attrs: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) attrs.push(attr(9, `k${i}`, string(1, `v${i}`)));
    const span = Buffer.concat([spanBody(tid, SID, 1000n, 2000n), ...chunked(attrs)]);
    expect((await post(bigRequest([span]), PB)).statusCode).toBe(200);
    const [stored] = server.reader.getTrace(tid);
    expect(Object.keys(stored.attributes)).toHaveLength(100_000);
    expect(stored.attributes.k99999).toBe('v99999');
  });

  it('kvlists and arrays nested 10,000 deep are refused with a reason (400), protobuf and JSON; 64 deep is stored', async () => {
    const nestPb = (depth: number, kv: boolean): Buffer => {
      let v = string(1, 'leaf');
      for (let i = 0; i < depth; i++) v = kv ? sub(6, sub(1, string(1, 'k'), sub(2, v))) : sub(5, sub(1, v));
      return v;
    };
    for (const kv of [true, false]) {
      const res = await post(requestWithSpans(spanBody(traceId(), SID, 1000n, 2000n, attr(9, 'deep', nestPb(10_000, kv)))), PB);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/nested deeper than 64 levels/);
      const tid = traceId();
      expect((await post(requestWithSpans(spanBody(tid, SID, 1000n, 2000n, attr(9, 'deep', nestPb(64, kv)))), PB)).statusCode).toBe(200);
      expect(server.reader.getTrace(tid)).toHaveLength(1);
    }
    // As text: JSON.stringify of 10,000 levels would overflow the test's own stack.
    const nestJson = (depth: number, kv: boolean): string => {
      const [open, close] = kv ? ['{"kvlistValue":{"values":[{"key":"k","value":', '}]}}'] : ['{"arrayValue":{"values":[', ']}}'];
      return open.repeat(depth) + '{"stringValue":"leaf"}' + close.repeat(depth);
    };
    for (const kv of [true, false]) {
      const body = jsonRequest(traceId(), { attributes: [{ key: 'deep', value: 'DEEP' }] }).replace('"DEEP"', nestJson(10_000, kv));
      const res = await post(body, JSON_CT);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/deeper than 64/);
    }
  });

  it('NaN and ±Infinity doubles are stored (read back as the strings "NaN", "Infinity", "-Infinity")', async () => {
    const tid = traceId();
    const req = requestWithSpans(spanBody(tid, SID, 1000n, 2000n,
      attr(9, 'nan', double(4, NaN)), attr(9, 'inf', double(4, Infinity)), attr(9, 'ninf', double(4, -Infinity)))); // prettier-ignore
    expect((await post(req, PB)).statusCode).toBe(200);
    const [span] = server.reader.getTrace(tid);
    expect(span.attributes).toMatchObject({ nan: 'NaN', inf: 'Infinity', ninf: '-Infinity' });
    const tid2 = traceId();
    const attributes = ['NaN', 'Infinity', '-Infinity'].map((x) => ({ key: x, value: { doubleValue: x } }));
    expect((await post(jsonRequest(tid2, { attributes }), JSON_CT)).statusCode).toBe(200);
    expect(server.reader.getTrace(tid2)[0].attributes).toMatchObject({ NaN: 'NaN', Infinity: 'Infinity', '-Infinity': '-Infinity' });
  });

  it('invalid UTF-8 in strings is stored, read back with U+FFFD in place of the bad bytes', async () => {
    const tid = traceId();
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3]);
    const req = requestWithSpans(msg(hexBytes(1, tid), hexBytes(2, SID), msg(Buffer.from([0x2a, bad.length]), bad), fixed64(7, 1000n), fixed64(8, 2000n),
      sub(9, msg(Buffer.from([0x0a, bad.length]), bad), sub(2, msg(Buffer.from([0x0a, bad.length]), bad))))); // prettier-ignore
    expect((await post(req, PB)).statusCode).toBe(200);
    const [span] = server.reader.getTrace(tid);
    expect(span.name).toBe('a\ufffd\ufffdb\ufffd');
    expect(span.attributes['a\ufffd\ufffdb\ufffd']).toBe('a\ufffd\ufffdb\ufffd');
    // In JSON: the same text (the body is read as UTF-8 with replacement).
    const tid2 = traceId();
    const json = Buffer.concat([Buffer.from(jsonRequest(tid2, { name: 'NAME' }).split('NAME')[0]), bad, Buffer.from(jsonRequest(tid2, { name: 'NAME' }).split('NAME')[1])]);
    expect((await post(json, JSON_CT)).statusCode).toBe(200);
    expect(server.reader.getTrace(tid2)[0].name).toBe('a\ufffd\ufffdb\ufffd');
  });

  it('a span that ends before it starts is rejected alone with its reason (partial success); the others are stored', async () => {
    const tid = traceId();
    const good = spanBody(tid, 'aaaaaaaaaaaaaaaa', 1000n, 2000n);
    const bad = spanBody(tid, 'bbbbbbbbbbbbbbbb', 5000n, 4000n);
    const res = await post(requestWithSpans(good, bad), { ...PB });
    expect(res.statusCode).toBe(200);
    // ExportTracePartialSuccess: rejected_spans 1 and the reason, in protobuf; the JSON answer says the same.
    expect(res.rawPayload.toString('latin1')).toMatch(/end_time_unix_nano 4000 is before start_time_unix_nano 5000/);
    expect(server.reader.getTrace(tid).map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa']);
    const j = await post(jsonRequest(traceId(), { startTimeUnixNano: '9', endTimeUnixNano: '8' }), JSON_CT);
    expect(j.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/is before start_time_unix_nano 9/) } });
  });

  it('timestamps 0 and 2^63−1 are stored and read back exactly; a span ending after 2^63−1 (to 2^64−1) is rejected with its reason', async () => {
    const max = 2n ** 64n - 1n;
    for (const [start, end] of [[0n, max], [max, max], [0n, 2n ** 63n]] as const) {
      const tid = traceId();
      const res = await post(requestWithSpans(spanBody(tid, SID, start, end)), PB);
      expect(res.statusCode, `start ${start} end ${end}: ${res.body}`).toBe(200);
      expect(res.rawPayload.toString('latin1')).toContain(`end_time_unix_nano ${end} is beyond 2^63-1 (the year 2262)`);
      expect(server.reader.getTrace(tid)).toEqual([]);
      const j = await post(jsonRequest(tid, { startTimeUnixNano: String(start), endTimeUnixNano: String(end) }), JSON_CT);
      expect(j.json().partialSuccess.errorMessage).toContain('is beyond 2^63-1');
    }
    const top = 2n ** 63n - 1n;
    for (const [start, end] of [[0n, 0n], [0n, top], [top, top]] as const) {
      const tid = traceId();
      const res = await post(requestWithSpans(spanBody(tid, SID, start, end)), PB);
      expect(res.statusCode, `start ${start} end ${end}: ${res.body}`).toBe(200);
      const [span] = server.reader.getTrace(tid);
      expect([BigInt(span.startTimeUnixNano), BigInt(span.endTimeUnixNano)]).toEqual([start, end]);
      // …and the APIs that read them answer.
      for (const url of [`/api/traces/${tid}`, `/jaeger/api/traces/${tid}`, `/api/v3/traces/${tid}`, `/tempo/api/traces/${tid}`, `/trace/${tid}`]) {
        const r = await server.ui.inject({ method: 'GET', url });
        expect(r.statusCode, `${url} for start ${start} end ${end}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
      }
    }
  });

  it('1,250,000 spans in one request (all 64 MiB holds) are refused with 413 and a reason; 200,000 are stored; a bigger body is 413', async () => {
    // A minimal span is 52 bytes (IDs, a name, times), so 64 MiB (67.1 MB) holds 1.25 million of them.
    const spans: Buffer[] = [];
    for (let i = 0; i < 1_250_000; i++) spans.push(spanBody('0f'.repeat(16), (i + 1).toString(16).padStart(16, '0'), 1000n, 2000n));
    const body = bigRequest(spans);
    expect(body.length).toBeLessThan(64 * 1024 * 1024);
    const res = await post(body, PB);
    expect(res.statusCode).toBe(413);
    expect(res.rawPayload.toString('latin1')).toContain('request has 1250000 spans, more than the 200000 tracelite takes in one request');
    const gz = await post(zlib.gzipSync(Buffer.alloc(65 * 1024 * 1024)), { ...PB, 'content-encoding': 'gzip' });
    expect(gz.statusCode).toBe(413);
    expect(gz.rawPayload.toString('latin1')).toMatch(/larger than 67108864 bytes after decompression/);
    expect((await post(Buffer.concat([body, body.subarray(0, 4 << 20)]), PB)).statusCode).toBe(413);
    // 200,000 of one trace: stored, every one.
    const ok = await post(bigRequest(spans.slice(0, 200_000)), PB);
    expect(ok.statusCode, ok.rawPayload.toString('latin1')).toBe(200);
    expect(server.reader.getTrace('0f'.repeat(16))).toHaveLength(200_000);
  }, 120_000);

  it('over OTLP/gRPC the same: values cut and marked, 10,000-deep nesting INVALID_ARGUMENT, too many spans RESOURCE_EXHAUSTED', async () => {
    const client = rawClient(server.otlpGrpcUrl, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
    try {
      const tid = traceId();
      const ok = await client.call(requestWithSpans(spanBody(tid, SID, 1000n, 2000n, attr(9, 'big', string(1, 'g'.repeat(100_000))))));
      expect(ok.error).toBeUndefined();
      expect(protoFields(ok.response!).size).toBe(0); // no partial_success
      const [span] = server.reader.getTrace(tid);
      expect((span.attributes.big as string).length).toBe(65_536);
      expect(span.attributes['tracelite.truncated']).toEqual(['big']);
      let deep = string(1, 'leaf');
      for (let i = 0; i < 10_000; i++) deep = sub(5, sub(1, deep));
      const nested = await client.call(requestWithSpans(spanBody(traceId(), SID, 1000n, 2000n, attr(9, 'deep', deep))));
      expect([nested.error?.code, nested.error?.details]).toEqual([3, expect.stringMatching(/nested deeper than 64 levels/)]);
      const many = [];
      for (let i = 0; i < 200_001; i++) many.push(spanBody('0e'.repeat(16), (i + 1).toString(16).padStart(16, '0')));
      const big = await client.call(bigRequest(many));
      expect([big.error?.code, big.error?.details]).toEqual([8, expect.stringMatching(/request has 200001 spans, more than the 200000/)]);
      expect(server.reader.getTrace('0e'.repeat(16))).toEqual([]);
    } finally {
      client.close();
    }
  }, 60_000);

  it('--max-body-size sets the limit', async () => {
    const small = await startServer({ listen: false, maxBodyBytes: 4096 });
    try {
      const res = await post(requestWithSpans(spanBody(traceId(), SID, 1000n, 2000n, attr(9, 'k', string(1, 'v'.repeat(5000))))), PB, small);
      expect(res.statusCode).toBe(413);
      expect((await post(requestWithSpans(spanBody(traceId(), SID)), PB, small)).statusCode).toBe(200);
      const z = await small.zipkin.inject({ method: 'POST', url: '/api/v2/spans', payload: 'x'.repeat(5000), headers: JSON_CT });
      expect(z.statusCode).toBe(413);
    } finally {
      await small.close();
    }
  });
});
