import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordRichTrace } from '../helpers/sdk.js';
import { toProtobuf, type TAttr, type TResource, type TSpan } from '../fixtures/otlp-model.js';
import { eventually, getJson, startServer, tempDbPath, type TestServer } from '../helpers/server.js';

/**
 * Forwarding between real tracelites on loopback: A runs with `--forward` to B's OTLP/HTTP receiver (or to a
 * small upstream that records what it is sent and answers as told). Spans go to A as raw OTLP/HTTP protobuf
 * holding every value type; B must end up with what A stored, value for value.
 */

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Every AnyValue type, including the two a JS encoder gets wrong: a double 1.0 (not an int) and bytes. */
const ALL_TYPES: TAttr[] = [
  ['str', { s: 'héllo' }],
  ['empty.str', { s: '' }],
  ['bool', { b: true }],
  ['int', { i: -42n }],
  ['int.big', { i: 9007199254740993n }],
  ['double.one', { d: 1.0 }],
  ['double', { d: 0.25 }],
  ['bytes', { bytes: Buffer.from([0, 1, 2, 0xff]) }],
  ['array', { arr: [{ s: 'a' }, { i: 1n }, { d: 2.0 }, { b: false }] }],
  ['kvlist', { kv: [['inner', { s: 'x' }], ['n', { i: 7n }]] }],
  ['none', { none: true }],
];

function span(traceId: string, i: number, parent: string): TSpan {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
  return {
    traceId, spanId: hex(8), parentSpanId: parent, traceState: i === 0 ? 'vendor=abc' : '', flags: 0x301, name: `op-${i}`,
    kind: (i % 5) + 1, start, end: start + 5_000_000n, attrs: [...ALL_TYPES, ['i', { i: BigInt(i) }]], droppedAttrs: i % 2,
    events: [{ name: 'ev', time: start + 1000n, attrs: [['e.double', { d: 3.0 }]], dropped: 1 }], droppedEvents: 2,
    links: [{ traceId: hex(16), spanId: hex(8), traceState: 'k=v', attrs: [['l.bytes', { bytes: Buffer.from('zz') }]], dropped: 0, flags: 1 }],
    droppedLinks: 0, statusCode: i === 1 ? 2 : 0, statusMessage: i === 1 ? 'boom' : '',
  };
}

/** One request: one trace of `n` spans under two resources, each with a current scope. */
function request(traceId: string, n: number): Buffer {
  const spans = Array.from({ length: n }, (_, i) => span(traceId, i, i === 0 ? '' : hex(8)));
  const resources: TResource[] = ['frontend', 'checkout'].map((svc, r) => ({
    attrs: [['service.name', { s: svc }], ['host.ratio', { d: 1.0 }]],
    dropped: r,
    scopes: [{ name: `lib-${svc}`, version: '1.2.3', attrs: [['scope.flag', { b: true }]], dropped: 0, legacy: false, spans: spans.filter((_, i) => i % 2 === r) }],
  }));
  return toProtobuf(resources);
}

async function post(server: TestServer, body: Buffer): Promise<number> {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: body as Uint8Array<ArrayBuffer> });
  await res.arrayBuffer();
  return res.status;
}

async function otlpOf(server: TestServer, traceId: string): Promise<{ status: number; body: string }> {
  const res = await server.ui.inject({ method: 'GET', url: `/api/traces/${traceId}/otlp` });
  return { status: res.statusCode, body: res.body };
}

async function start(opts: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(opts);
  let closed = false;
  const close = s.close.bind(s);
  s.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  cleanup.push(() => s.close());
  return s;
}

function forwardTo(url: string, headers: Array<[string, string]> = []) {
  return { url, headers };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface Recorded {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An upstream that records every export and answers each with `answer(n)` (n = 0-based attempt). */
async function recordingUpstream(answer: (n: number) => { status: number; headers?: Record<string, string> }) {
  const seen: Recorded[] = [];
  const srv = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const a = answer(seen.length);
      seen.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(parts) });
      res.writeHead(a.status, { 'content-type': 'application/x-protobuf', ...a.headers });
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => srv.close(r)));
  cleanup.push(() => srv.closeAllConnections());
  return { url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/v1/traces`, seen };
}

describe('forwarding to a second tracelite', () => {
  it('delivers what A stores to B identical, every value type kept, and flushes on close', async () => {
    const b = await start();
    const a = await start({ forward: forwardTo(`${b.otlpUrl}/v1/traces`) });
    const ids = [hex(16), hex(16), hex(16)];
    for (const id of ids) expect(await post(a, request(id, 6))).toBe(200);
    const atA = new Map<string, string>();
    for (const id of ids) {
      const r = await otlpOf(a, id);
      expect(r.status).toBe(200);
      atA.set(id, r.body);
    }
    // A stops (as on SIGTERM) before the 1 s batch delay ran out: closing sends what is queued.
    await a.close();
    const stats = a.forwarder!.stats();
    expect(stats).toMatchObject({ enabled: true, endpoint: `${b.otlpUrl}/v1/traces`, sent: { spans: 18 }, dropped: { spans: 0 } });
    for (const id of ids) {
      const atB = await otlpOf(b, id);
      expect(atB.status).toBe(200);
      expect(JSON.parse(atB.body)).toEqual(JSON.parse(atA.get(id)!));
    }
    // The double 1.0 and the bytes made it as such (the OTLP/JSON download writes each value's type).
    const doc = (await otlpOf(b, ids[0])).body;
    expect(doc).toContain('"key":"double.one","value":{"doubleValue":1}');
    expect(doc).toContain('"key":"bytes","value":{"bytesValue":"AAEC/w=="}');
  });

  it('delivers everything A stored to a B that was stopped and restarted mid-stream, counting the retries', async () => {
    const { dir, db } = tempDbPath();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    let b = await start({ db });
    const port = Number(new URL(b.otlpUrl).port);
    const a = await start({ forward: forwardTo(`${b.otlpUrl}/v1/traces`) });
    const ids: string[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = hex(16);
        ids.push(id);
        expect(await post(a, request(id, 20))).toBe(200);
      }
    };
    await send(10);
    await eventually(() => (a.forwarder!.stats().sent.spans === 200 ? true : undefined));
    await b.close();
    await send(10);
    // A is trying and failing to reach B now.
    await eventually(() => (a.forwarder!.stats().lastError !== null && a.forwarder!.stats().queue.spans > 0 ? true : undefined));
    await send(10);
    b = await start({ db, otlpHttpPort: port });
    await send(10);
    const stats = await eventually(() => {
      const s = a.forwarder!.stats();
      return s.sent.spans === 800 && s.queue.spans === 0 ? s : undefined;
    }, 60_000);
    expect(stats.retried).toBeGreaterThan(0);
    expect(stats.dropped.spans).toBe(0);
    for (const id of ids) expect(b.reader.getTrace(id).length).toBe(20);
    const api = await getJson(a, '/api/forwarding');
    expect(api.body).toMatchObject({ enabled: true, sent: { spans: 800 }, queue: { spans: 0, max: 100_000 } });
  }, 90_000);
});

describe('forwarding to an upstream that is down or refuses', () => {
  it('a dead upstream never slows ingest: every request is answered and stored, the queue fills, then drops and counts', async () => {
    const a = await start({ forward: forwardTo(`http://127.0.0.1:${await deadPort()}/v1/traces`), forwardQueueSpans: 1000 });
    for (let i = 0; i < 30; i++) expect(await post(a, request(hex(16), 100))).toBe(200);
    const stored = await getJson(a, '/api/stats');
    expect(stored.body.services.reduce((n: number, s: { spanCount: number }) => n + s.spanCount, 0)).toBe(3000);
    const s = a.forwarder!.stats();
    expect(s.endpoint).toMatch(/\/v1\/traces$/);
    expect(s.sent.spans).toBe(0);
    expect(s.queue.spans).toBeLessThanOrEqual(1000);
    expect(s.dropped.reasons['queue full']).toBeGreaterThanOrEqual(2000);
    expect(s.queue.spans + s.dropped.spans).toBe(3000);
  }, 30_000);

  it("the SDK's own exporter is answered SUCCESS on every export while the upstream is dead", async () => {
    const a = await start({ forward: forwardTo(`http://127.0.0.1:${await deadPort()}/v1/traces`), forwardQueueSpans: 10 });
    const exporter = new OTLPTraceExporter({ url: `${a.otlpUrl}/v1/traces` });
    cleanup.push(() => exporter.shutdown());
    for (let i = 0; i < 10; i++) {
      const spans = await recordRichTrace(`svc-${i}`);
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      expect(result.code).toBe(ExportResultCode.SUCCESS);
    }
    const s = a.forwarder!.stats();
    expect(s.sent.spans).toBe(0);
    expect(s.queue.spans + s.dropped.spans).toBe(30);
    expect(s.dropped.reasons['queue full']).toBeGreaterThanOrEqual(20);
  }, 30_000);

  it('an upstream that never answers does not hold up ingest either', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => silent.close(r)));
    cleanup.push(() => sockets.forEach((x) => x.destroy()));
    const port = (silent.address() as net.AddressInfo).port;
    const a = await start({ forward: forwardTo(`http://127.0.0.1:${port}/v1/traces`), forwardQueueSpans: 500 });
    for (let i = 0; i < 20; i++) expect(await post(a, request(hex(16), 50))).toBe(200);
    // The first batch is stuck in a POST nobody answers; everything past the bound was dropped and counted.
    await eventually(() => (sockets.length > 0 ? true : undefined));
    const s = a.forwarder!.stats();
    expect(s.sent.spans).toBe(0);
    expect(s.queue.spans + s.dropped.spans).toBe(1000);
    expect(s.dropped.reasons['queue full']).toBeGreaterThanOrEqual(500);
    // Closing gives up after its flush time instead of waiting for the upstream; what was left counts as dropped.
    await a.close();
    const after = a.forwarder!.stats();
    expect(after.queue.spans).toBe(0);
    expect(after.dropped.spans).toBe(1000);
    expect(after.dropped.reasons.shutdown).toBe(s.queue.spans);
  }, 30_000);

  it('honours Retry-After and sends the configured headers with gzip-compressed OTLP protobuf', async () => {
    const up = await recordingUpstream((n) => (n === 0 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 }));
    const a = await start({ forward: forwardTo(up.url, [['x-api-key', 's3cret'], ['authorization', 'Bearer t0k']]) });
    const id = hex(16);
    expect(await post(a, request(id, 4))).toBe(200);
    const s = await eventually(() => (a.forwarder!.stats().sent.batches === 1 ? a.forwarder!.stats() : undefined));
    expect(up.seen).toHaveLength(2);
    expect(s).toMatchObject({ retried: 1, sent: { spans: 4 }, dropped: { spans: 0 }, lastError: { message: 'HTTP 503' } });
    expect(s.lastSuccessAt).not.toBeNull();
    // The backoff alone would have waited 0.5–1.5 s; the upstream asked for 2 s.
    expect(up.seen[1].at - up.seen[0].at).toBeGreaterThanOrEqual(1900);
    const h = up.seen[1].headers;
    expect(h).toMatchObject({ 'x-api-key': 's3cret', authorization: 'Bearer t0k', 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    // What was sent is an ExportTraceServiceRequest any OTLP receiver reads back as A stored it.
    const c = await start();
    const res = await c.otlp.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, payload: gunzipSync(up.seen[1].body) });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse((await otlpOf(c, id)).body)).toEqual(JSON.parse((await otlpOf(a, id)).body));
  }, 30_000);

  it('drops and counts a batch the upstream refuses with a 400, without retrying it', async () => {
    const up = await recordingUpstream(() => ({ status: 400 }));
    const a = await start({ forward: forwardTo(up.url) });
    expect(await post(a, request(hex(16), 5))).toBe(200);
    const s = await eventually(() => (a.forwarder!.stats().dropped.spans === 5 ? a.forwarder!.stats() : undefined));
    expect(s).toMatchObject({ retried: 0, sent: { batches: 0, spans: 0 }, dropped: { reasons: { 'rejected: HTTP 400': 5 } }, queue: { spans: 0 } });
    expect(up.seen).toHaveLength(1);
    // The next batch is tried (a 400 is about that batch, not the upstream).
    expect(await post(a, request(hex(16), 3))).toBe(200);
    await eventually(() => (a.forwarder!.stats().dropped.spans === 8 ? true : undefined));
    expect(up.seen).toHaveLength(2);
  }, 30_000);

  it('GET /api/forwarding says when forwarding is off', async () => {
    const a = await start({ listen: false });
    const res = await getJson(a, '/api/forwarding');
    expect(res).toEqual({
      status: 200,
      body: { enabled: false, endpoint: null, queue: { spans: 0, max: 0 }, sent: { batches: 0, spans: 0 }, retried: 0, dropped: { spans: 0, reasons: {} }, lastError: null, lastSuccessAt: null },
    });
  });
});
