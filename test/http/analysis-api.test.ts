import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { eventually, getJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const MS = 1_000_000n;

/**
 * Trace 1: frontend GET / → frontend client → legacy GET /stock → legacy leaf CLIENT to http://127.0.0.1:3003/items.
 * Trace 2 (starts inside that call): inventory's root SERVER span, reached at 127.0.0.1:3003 (http.host), which
 * queries an uninstrumented postgres at db.internal:5432.
 * Trace 3 (two minutes later: the graph is kept per minute): frontend → checkout, propagation intact; checkout's
 * call fails.
 */
beforeAll(async () => {
  // A short grace period: the service graph decides unanswered calls after it.
  server = await startServer({ listen: false, graceMs: 100 });
  const body = exportRequest({
    frontend: [
      { traceId: tid(1), spanId: sid(1), name: 'GET /', kind: 2, start: T0, durationNs: 100n * MS },
      { traceId: tid(1), spanId: sid(2), parentSpanId: sid(1), name: 'GET', kind: 3, start: T0 + 5n * MS, durationNs: 90n * MS,
        attributes: { 'server.address': 'legacy', 'server.port': 8080 } },
      { traceId: tid(3), spanId: sid(30), name: 'GET /buy', kind: 2, start: T0 + 120_000n * MS, durationNs: 50n * MS },
      { traceId: tid(3), spanId: sid(31), parentSpanId: sid(30), name: 'POST', kind: 3, start: T0 + 120_001n * MS,
        durationNs: 40n * MS, attributes: { 'peer.service': 'checkout' } },
    ],
    legacy: [
      { traceId: tid(1), spanId: sid(3), parentSpanId: sid(2), name: 'GET /stock', kind: 2, start: T0 + 7n * MS, durationNs: 85n * MS },
      { traceId: tid(1), spanId: sid(4), parentSpanId: sid(3), name: 'GET', kind: 3, start: T0 + 10n * MS, durationNs: 60n * MS,
        attributes: { 'url.full': 'http://127.0.0.1:3003/items' } },
    ],
    inventory: [
      { traceId: tid(2), spanId: sid(10), name: 'GET /items', kind: 2, start: T0 + 12n * MS, durationNs: 55n * MS,
        attributes: { 'http.host': '127.0.0.1:3003' } },
      { traceId: tid(2), spanId: sid(11), parentSpanId: sid(10), name: 'SELECT', kind: 3, start: T0 + 15n * MS, durationNs: 20n * MS,
        attributes: { 'server.address': 'db.internal', 'server.port': 5432 } },
    ],
    checkout: [
      { traceId: tid(3), spanId: sid(32), parentSpanId: sid(31), name: 'POST /buy', kind: 2, start: T0 + 120_002n * MS,
        durationNs: 35n * MS, error: true },
    ],
  });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
  await eventually(async () => ((await getJson(server, `/api/dependencies?${range}`)).body.edges.length === 4 ? true : undefined));
});
afterAll(async () => server.close());

const get = (url: string) => getJson(server, url);
const range = `start=${(T0 - 60_000n * MS) / MS}&end=${(T0 + 180_000n * MS) / MS}`;

describe('GET /api/traces/{traceId}/analysis', () => {
  it('names the broken link legacy → inventory', async () => {
    const { status, body } = await get(`/api/traces/${tid(1)}/analysis`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(tid(1));
    expect(body.propagation.orphans).toEqual([]);
    expect(body.propagation.brokenLinks).toEqual([
      {
        fromService: 'legacy',
        toService: 'inventory',
        clientSpanId: sid(4),
        matchedTraceId: tid(2),
        matchedSpanId: sid(10),
        target: '127.0.0.1:3003',
        message: expect.stringMatching(/^legacy called 127\.0\.0\.1:3003 and inventory handled it in another trace .*traceparent/),
      },
    ]);
    expect(body).toHaveProperty('durationMs');
    expect(body).toHaveProperty('criticalPath');
    expect(body).toHaveProperty('warnings');
  });

  it('finds no broken link from the callee side (its database is only uninstrumented)', async () => {
    expect((await get(`/api/traces/${tid(2)}/analysis`)).body.propagation.brokenLinks).toEqual([]);
  });

  it('404s an unknown trace and 400s a malformed id', async () => {
    const unknown = await get(`/api/traces/${tid(999)}/analysis`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/not found/);
    const bad = await get('/api/traces/not-hex/analysis');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/traceId/);
  });
});

describe('GET /api/traces/{traceId}/chain', () => {
  it('fails frontend,legacy,inventory at legacy, blaming traceparent', async () => {
    const { status, body } = await get(`/api/traces/${tid(1)}/chain?expect=frontend,legacy,inventory`);
    expect(status).toBe(200);
    expect(body.ok).toBe(false);
    expect(body.paths).toEqual([['frontend', 'legacy']]);
    expect(body.missing).toHaveLength(1);
    expect(body.missing[0]).toMatchObject({ from: 'legacy', to: 'inventory' });
    expect(body.missing[0].reason).toMatch(/^legacy made a call to 127\.0\.0\.1:3003 .*traceparent/);
  });

  it('passes an intact chain', async () => {
    const { body } = await get(`/api/traces/${tid(3)}/chain?expect=frontend,%20checkout`);
    expect(body).toEqual({ ok: true, paths: [['frontend', 'checkout']], missing: [] });
  });

  it('400s a missing or empty expect, naming it; 404s an unknown trace', async () => {
    for (const q of ['', '?expect=', '?expect=,%20,']) {
      const { status, body } = await get(`/api/traces/${tid(1)}/chain${q}`);
      expect(status).toBe(400);
      expect(body.error).toMatch(/^expect /);
    }
    expect((await get(`/api/traces/${tid(999)}/chain?expect=a`)).status).toBe(404);
  });
});

describe('GET /api/dependencies', () => {
  it('lists direct, uninstrumented and broken edges', async () => {
    const { status, body } = await get(`/api/dependencies?${range}`);
    expect(status).toBe(200);
    expect(body.edges).toEqual([
      { parent: 'frontend', child: 'checkout', callCount: 1, errorCount: 1, instrumented: true, broken: false },
      { parent: 'frontend', child: 'legacy', callCount: 1, errorCount: 0, instrumented: true, broken: false },
      { parent: 'inventory', child: 'db.internal:5432', callCount: 1, errorCount: 0, instrumented: false, broken: false },
      { parent: 'legacy', child: 'inventory', callCount: 1, errorCount: 0, instrumented: true, broken: true },
    ]);
  });

  it('accepts RFC 3339, defaults to the last hour, and rejects a reversed or bad window', async () => {
    const iso = (ns: bigint) => new Date(Number(ns / MS)).toISOString();
    const rfc = await get(`/api/dependencies?start=${iso(T0 + 100_000n * MS)}&end=${iso(T0 + 130_000n * MS)}`);
    expect(rfc.body.edges.map((e: { child: string }) => e.child)).toEqual(['checkout']);
    expect(await get('/api/dependencies')).toEqual({ status: 200, body: { edges: [], traces: 0, tracesInWindow: 0 } }); // T0 is in 2023
    const reversed = await get(`/api/dependencies?start=${T0 / MS}&end=${T0 / MS - 1n}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error).toMatch(/^end /);
    expect((await get('/api/dependencies?start=yesterday')).body.error).toMatch(/^start must be RFC 3339/);
  });

  it('counts every trace of the window\'s minutes; 0.1\'s limit is still validated and no longer needed', async () => {
    const all = await get(`/api/dependencies?${range}`);
    expect(all.body).toMatchObject({ traces: 3, tracesInWindow: 3 });
    const limited = await get(`/api/dependencies?${range}&limit=1`);
    expect(limited.body).toEqual(all.body);
    expect((await get(`/api/dependencies?${range}&limit=0`)).status).toBe(400);
  });

  it('leaves unknown /api routes to the JSON not-found handler', async () => {
    const { status, body } = await get('/api/nope');
    expect(status).toBe(404);
    expect(body.error).toMatch(/no route for GET \/api\/nope/);
  });
});
