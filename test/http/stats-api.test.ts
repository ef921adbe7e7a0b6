import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const MS = 1_000_000n;

/** Two requests two minutes apart (the stats are kept per minute): a 10 ms one, and a 40 ms one that fails. */
beforeAll(async () => {
  server = await startServer({ listen: false });
  const body = exportRequest({
    shop: [
      { traceId: tid(1), spanId: sid(1), name: 'GET /cart', kind: 2, start: T0, durationNs: 10n * MS },
      { traceId: tid(2), spanId: sid(2), name: 'GET /cart', kind: 2, start: T0 + 120_000n * MS, durationNs: 40n * MS, error: true },
    ],
  });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

const get = (url: string) => getJson(server, url);

describe('GET /api/stats', () => {
  it('gives all-time requests, errors, percentiles and a histogram per service and operation', async () => {
    const { status, body } = await get('/api/stats');
    expect(status).toBe(200);
    expect(body.histogramBoundsMs[0]).toBe(0.1);
    const [shop] = body.services;
    expect(shop).toMatchObject({ name: 'shop', requests: 2, errors: 1, errorRate: 0.5, spanCount: 2, traceCount: 2 });
    expect(body.window).toBeNull();
    expect(shop.p99Ms).toBeGreaterThanOrEqual(39.5);
    expect(shop.histogram.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    expect(shop.operations).toEqual([
      expect.objectContaining({ name: 'GET /cart', label: 'GET /cart', kind: 'server', role: 'entry', callee: '', count: 2, errors: 1 }),
    ]);
  });

  it('counts the whole minutes the window touches, and says which', async () => {
    const start = T0 / MS + 60_000n;
    const { body } = await get(`/api/stats?start=${start}&end=${T0 / MS + 180_000n}`);
    expect(body.services[0]).toMatchObject({ name: 'shop', requests: 1, errors: 1 });
    const minute = 60_000_000_000n;
    expect(body.window).toEqual({
      startTimeUnixNano: String(((start * MS) / minute) * minute),
      endTimeUnixNano: String((((T0 + 180_000n * MS) / minute) + 1n) * minute),
    });
  });

  it('answers 400 naming a bad parameter', async () => {
    const bad = await get('/api/stats?start=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('start');
    expect((await get(`/api/stats?start=${T0 / MS + 10n}&end=${T0 / MS}`)).status).toBe(400);
  });
});
