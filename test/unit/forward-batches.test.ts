import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeExport } from '../../src/forward/encode.js';
import { ThreadEncoder } from '../../src/forward/encoder-client.js';
import { Forwarder } from '../../src/forward/forwarder.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import { toProtobuf, type TSpan } from '../fixtures/otlp-model.js';

/** The forwarder alone (inline encoder) against a real HTTP upstream that records each export's spans. */

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function upstream() {
  const exports: Array<{ traces: string[]; spans: number }> = [];
  const srv = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const d = decodeProtobufRequest(gunzipSync(Buffer.concat(parts)));
      exports.push({ traces: d.chunks.map((c) => c.traceId), spans: d.spans.length });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => srv.close(r)));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/traces`, exports };
}

const traceId = (n: number) => n.toString(16).padStart(32, '0');

function span(t: number, i: number): TSpan {
  return {
    traceId: traceId(t), spanId: (t * 100 + i + 1).toString(16).padStart(16, '0'), parentSpanId: '', traceState: '', flags: 0, name: 'op',
    kind: 1, start: 1000n, end: 2000n, attrs: [], droppedAttrs: 0, events: [], droppedEvents: 0, links: [], droppedLinks: 0, statusCode: 0, statusMessage: '',
  };
}

/** One request of `traces` traces of `per` spans each. */
function request(first: number, traces: number, per: number) {
  const spans = Array.from({ length: traces * per }, (_, k) => span(first + Math.floor(k / per), k % per));
  return decodeProtobufRequest(toProtobuf([{ attrs: [['service.name', { s: 'svc' }]], dropped: 0, scopes: [{ name: 's', version: '', attrs: [], dropped: 0, legacy: false, spans }] }]));
}

describe('Forwarder batches', () => {
  it('splits a request bigger than a batch at trace boundaries, and drops the newest request that would overflow the queue', async () => {
    const up = await upstream();
    const f = new Forwarder({ url: up.url, headers: [], maxQueueSpans: 20, maxBatchSpans: 12, batchDelayMs: 60_000, log: () => {} });
    f.enqueue(request(1, 3, 6)); // 18 spans: parts of 12 and 6
    f.enqueue(request(10, 1, 6)); // 24 > 20: dropped, counted
    f.enqueue(request(20, 1, 2)); // fits: 20
    expect(f.stats()).toMatchObject({ queue: { spans: 20, max: 20 }, dropped: { spans: 6, reasons: { 'queue full': 6 } } });
    await f.close(); // the batch delay has not run out: close sends what is queued
    // Both batches go at once (exports in flight overlap), so they may arrive in either order.
    expect([...up.exports].sort((x, y) => x.traces[0].localeCompare(y.traces[0]))).toEqual([
      { traces: [traceId(1), traceId(2)], spans: 12 },
      { traces: [traceId(3), traceId(20)], spans: 8 },
    ]);
    expect(f.stats()).toMatchObject({ queue: { spans: 0 }, sent: { batches: 2, spans: 20 }, dropped: { spans: 6 } });
    // After close, nothing more is taken.
    f.enqueue(request(30, 1, 1));
    expect(f.stats().dropped.reasons.shutdown).toBe(1);
  });

  it('sends a full batch at once, without waiting for the batch delay', async () => {
    const up = await upstream();
    const f = new Forwarder({ url: up.url, headers: [], maxQueueSpans: 100, maxBatchSpans: 10, batchDelayMs: 60_000, log: () => {} });
    closers.push(() => f.close());
    f.enqueue(request(1, 2, 5));
    for (let i = 0; i < 200 && f.stats().sent.batches === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(up.exports).toEqual([{ traces: [traceId(1), traceId(2)], spans: 10 }]);
  });
});

describe('ThreadEncoder', () => {
  it('encodes on the main thread instead, logged once, when its thread cannot run', async () => {
    const logged: string[] = [];
    const enc = new ThreadEncoder(new URL('file:///nonexistent/encode-thread.js'), (m) => logged.push(m));
    const d = request(1, 2, 3);
    const queued = [{ chunks: d.chunks, dimensions: d.dimensions, spans: 6 }];
    const bodies = await Promise.all([enc.encode(queued), enc.encode(queued)]);
    for (const b of bodies) expect(gunzipSync(b)).toEqual(Buffer.from(encodeExport(queued)));
    expect(await enc.encode(queued).then((b) => gunzipSync(b).length)).toBe(encodeExport(queued).length);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/encoder thread stopped/);
    await enc.close();
  });
});
