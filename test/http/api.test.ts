import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const MS = 1_000_000n;

/**
 * Ten traces, one second apart: trace i has a frontend root (i+1)*10 ms long and a backend child;
 * traces 3 and 7 fail in the backend; even traces carry http.route=/even on the backend span.
 */
beforeAll(async () => {
  server = await startServer({ listen: false });
  for (let i = 0; i < 10; i++) {
    const start = T0 + BigInt(i) * 1_000n * MS;
    const body = exportRequest(
      {
        frontend: [{ traceId: tid(i + 1), spanId: sid(100 + i), name: 'GET /', kind: 2, start, durationNs: BigInt(i + 1) * 10n * MS }],
        backend: [
          {
            traceId: tid(i + 1),
            spanId: sid(200 + i),
            parentSpanId: sid(100 + i),
            name: i % 2 ? 'SELECT' : 'INSERT',
            kind: 3,
            start: start + MS,
            durationNs: 5n * MS,
            error: i === 3 || i === 7,
            attributes: i % 2 ? { n: i } : { 'http.route': '/even', n: i },
          },
        ],
      },
      { 'deployment.environment.name': i < 5 ? 'dev' : 'prod' },
    );
    const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
  }
});
afterAll(async () => server.close());

const get = (url: string) => getJson(server, url);
const ids = (body: { traces: Array<{ traceId: string }> }) => body.traces.map((t) => Number.parseInt(t.traceId, 16));

describe('GET /api/services', () => {
  it('lists services with their requests (entry spans) and failed requests, and span and trace counts', async () => {
    const { status, body } = await get('/api/services');
    expect(status).toBe(200);
    // backend only makes calls (CLIENT spans): no requests of its own, but two failed spans.
    expect(body).toEqual({
      services: [
        { name: 'backend', requests: 0, errors: 0, spanCount: 10, errorSpanCount: 2, traceCount: 10 },
        { name: 'frontend', requests: 10, errors: 0, spanCount: 10, errorSpanCount: 0, traceCount: 10 },
      ],
    });
  });
});

describe('GET /api/services/{service}/operations', () => {
  it('gives counts, kinds and latency percentiles', async () => {
    const { body } = await get('/api/services/frontend/operations');
    expect(body.operations).toHaveLength(1);
    const op = body.operations[0];
    expect(op).toMatchObject({ name: 'GET /', label: 'GET /', kind: 'server', role: 'entry', callee: '', spanCount: 10, errorCount: 0 });
    expect(op.p50Ms).toBeGreaterThanOrEqual(49);
    expect(op.p50Ms).toBeLessThanOrEqual(61);
    expect(op.p99Ms).toBeGreaterThanOrEqual(99);
    expect(op.p99Ms).toBeLessThanOrEqual(101);
    const backend = (await get('/api/services/backend/operations')).body.operations;
    expect(backend.map((o: { name: string; kind: string; role: string; errorCount: number }) => [o.name, o.kind, o.role, o.errorCount])).toEqual([
      ['INSERT', 'client', 'call', 0],
      ['SELECT', 'client', 'call', 2],
    ]);
  });
  it('is empty for an unknown service, and decodes the path', async () => {
    expect((await get('/api/services/nope/operations')).body).toEqual({ operations: [] });
    expect((await get('/api/services/a%2Fb/operations')).status).toBe(200);
  });
});

describe('GET /api/traces', () => {
  it('lists newest first with the summary fields', async () => {
    const { status, body } = await get('/api/traces');
    expect(status).toBe(200);
    expect(ids(body)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(body.traces[0]).toEqual({
      traceId: tid(10),
      rootService: 'frontend',
      rootName: 'GET /',
      startTimeUnixNano: String(T0 + 9_000n * MS),
      durationMs: 100,
      spanCount: 2,
      errorCount: 0,
      services: ['backend', 'frontend'],
    });
    expect(body.nextCursor).toBeNull();
  });

  it('filters by service, operation, duration, time, error and attributes', async () => {
    expect(ids((await get('/api/traces?service=backend&operation=SELECT')).body)).toEqual([10, 8, 6, 4, 2]);
    expect(ids((await get('/api/traces?service=frontend&operation=SELECT')).body)).toEqual([]);
    expect(ids((await get('/api/traces?operation=SELECT')).body)).toEqual([10, 8, 6, 4, 2]);
    expect(ids((await get('/api/traces?minDuration=30ms&maxDuration=0.05s')).body)).toEqual([5, 4, 3]);
    expect(ids((await get(`/api/traces?start=${(T0 + 2_000n * MS) / MS}&end=${(T0 + 4_000n * MS) / MS}`)).body)).toEqual([5, 4, 3]);
    expect(ids((await get('/api/traces?start=2023-11-14T22:13:25Z')).body)).toEqual([10, 9, 8, 7, 6]);
    expect(ids((await get('/api/traces?error=true')).body)).toEqual([8, 4]);
    expect(ids((await get('/api/traces?service=frontend&error=true')).body)).toEqual([8, 4]);
    expect(ids((await get('/api/traces?attr=http.route=/even')).body)).toEqual([9, 7, 5, 3, 1]);
    expect(ids((await get('/api/traces?attr=n=3')).body)).toEqual([4]);
    expect(ids((await get('/api/traces?attr=deployment.environment.name=prod&attr=http.route=/even')).body)).toEqual([9, 7]);
  });

  it('pages through every match with the cursor', async () => {
    const seen: number[] = [];
    let url = '/api/traces?limit=3';
    for (;;) {
      const { body } = await get(url);
      seen.push(...ids(body));
      if (!body.nextCursor) break;
      url = `/api/traces?limit=3&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it.each([
    ['minDuration=fast', 'minDuration'],
    ['maxDuration=10', 'maxDuration'],
    ['start=yesterday', 'start'],
    ['end=2023-02-30T00:00:00', 'end'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['error=maybe', 'error'],
    ['attr=novalue', 'attr'],
    ['cursor=abc', 'cursor'],
    ['minDuration=2s&maxDuration=1s', 'maxDuration'],
  ])('answers 400 naming the parameter for %s', async (qs, param) => {
    const { status, body } = await get(`/api/traces?${qs}`);
    expect(status).toBe(400);
    expect(body.error).toContain(param);
  });
});

describe('GET /api/traces/{traceId}', () => {
  it('returns every span, in any case and with leading zeros trimmed', async () => {
    const { status, body } = await get('/api/traces/4');
    expect(status).toBe(200);
    expect(body.traceId).toBe(tid(4));
    expect(body.spans).toHaveLength(2);
    const child = body.spans.find((s: { service: string }) => s.service === 'backend');
    expect(child).toMatchObject({
      traceId: tid(4),
      spanId: sid(203),
      parentSpanId: sid(103),
      name: 'SELECT',
      kind: 'client',
      startTimeUnixNano: String(T0 + 3_000n * MS + MS),
      endTimeUnixNano: String(T0 + 3_000n * MS + 6n * MS),
      durationMs: 5,
      status: { code: 'error', message: 'boom' },
      attributes: { n: 3 },
      resource: { 'service.name': 'backend', 'deployment.environment.name': 'dev' },
      scope: { name: 'test', version: '1' },
      events: [],
      links: [],
    });
    expect((await get(`/api/traces/${tid(4).toUpperCase()}`)).body.spans).toHaveLength(2);
  });
  it('answers 404 for an unknown trace and 400 for a malformed id', async () => {
    expect((await get(`/api/traces/${'f'.repeat(32)}`)).status).toBe(404);
    const bad = await get('/api/traces/xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('traceId');
    expect((await get(`/api/traces/${'1'.repeat(33)}`)).status).toBe(400);
  });
  it('answers JSON 404s for unknown API routes', async () => {
    const { status, body } = await get('/api/nothing');
    expect(status).toBe(404);
    expect(body.error).toMatch(/no route/);
  });
});
