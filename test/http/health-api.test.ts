import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordRichTrace } from '../helpers/sdk.js';
import { eventually, getJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer({ listen: false, queueSpans: 5_000 });
});
afterEach(async () => {
  await server.close();
});

async function postRichTrace(): Promise<number> {
  const spans = await recordRichTrace();
  const res = await server.otlp.inject({
    method: 'POST',
    url: '/v1/traces',
    payload: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.statusCode).toBe(200);
  return spans.length;
}

describe('GET /api/health', () => {
  it('is ok on a fresh server: an empty queue with its bound, nothing refused, sampling and forwarding off', async () => {
    const { status, body } = await getJson(server, '/api/health');
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      problems: [],
      ingest: { queue: { spans: 0, max: 5_000 }, refused: { requests: 0, spans: 0 }, writtenSpans: 0, lastWriteMs: 0 },
      store: { spans: 0, dbBytes: expect.any(Number), writerRestarts: 0, writerDown: null },
      sampling: null,
      forwarding: null,
    });
  });

  it('counts written and stored spans and the commit latency of the last write', async () => {
    const n = (await postRichTrace()) + (await postRichTrace());
    const { body } = await getJson(server, '/api/health');
    expect(body.status).toBe('ok');
    expect(body.ingest.writtenSpans).toBe(n);
    expect(body.ingest.queue.spans).toBe(0);
    expect(body.ingest.lastWriteMs).toBeGreaterThan(0);
    expect(body.store.spans).toBe(n);
  });

  it('counts writer thread restarts: a dead writer thread is replaced and ingest goes on', async () => {
    await postRichTrace();
    void (server.writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const restarted = await eventually(async () => {
      const { body } = await getJson(server, '/api/health');
      return body.store.writerRestarts === 1 ? body : undefined;
    });
    expect(restarted.store.writerDown).toBeNull();
    await postRichTrace();
    expect((await getJson(server, '/api/health')).body.store.spans).toBe(6);
  });

  it('shows the sampler summary when sampling is on', async () => {
    await server.close();
    server = await startServer({ listen: false, sampling: 'starter', decisionWaitMs: 60_000 });
    await postRichTrace();
    const { body } = await getJson(server, '/api/health');
    expect(body.sampling).toMatchObject({ buffer: { spans: 3, traces: 1 }, traces: { seen: 1, kept: 0, dropped: 0, buffered: 1 }, decidedEarly: 0 });
  });
});

describe('the UI footer', () => {
  it('shows the queue depth, its bound and refused requests on every page, and keeps the delete link', async () => {
    for (const url of ['/', '/services', '/sampling', '/clear']) {
      const res = await server.ui.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      const footer = /<footer class="site-footer[^"]*">([\s\S]*?)<\/footer>/.exec(res.body)?.[1] ?? '';
      expect(footer, url).toMatch(/<a class="ingest-health" href="\/api\/health"[^>]*>\s*queue 0 of 5,000 · refused 0<\/a>/);
      expect(footer, url).toContain('<a href="/clear">Delete all traces…</a>');
    }
  });
});
