import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** DELETE /api/traces: clears the store, and no page of another site can make a browser do it. */
let server: TestServer;
const MS = 1_000_000n;

const send = async (n: number) => {
  const body = exportRequest({ web: [{ traceId: tid(n), spanId: sid(n), name: 'GET /', kind: 2, start: T0 + BigInt(n) * MS, durationNs: MS }] });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
};
const traces = async () => (await server.ui.inject({ method: 'GET', url: '/api/traces' })).json().traces.length as number;

beforeAll(async () => {
  server = await startServer({ listen: false });
  for (const n of [1, 2, 3]) await send(n);
});
afterAll(async () => server.close());

describe('DELETE /api/traces', () => {
  it('refuses a cross-site request (403) and keeps every trace', async () => {
    for (const headers of [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
    ]) {
      const res = await server.ui.inject({ method: 'DELETE', url: '/api/traces', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error).toMatch(/^refused: /);
    }
    expect(await traces()).toBe(3);
  });

  it('clears everything for curl or the UI itself, and the store takes spans again', async () => {
    const host = 'localhost:16686';
    const same = await server.ui.inject({ method: 'DELETE', url: '/api/traces', headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ cleared: true });
    expect(await traces()).toBe(0);
    expect((await server.ui.inject({ method: 'GET', url: '/api/services' })).json()).toEqual({ services: [] });
    expect((await server.ui.inject({ method: 'GET', url: '/api/stats' })).json().services).toEqual([]);
    await send(1); // a trace cleared before is new again
    expect(await traces()).toBe(1);
    const curl = await server.ui.inject({ method: 'DELETE', url: '/api/traces' });
    expect(curl.json()).toEqual({ cleared: true });
    expect(await traces()).toBe(0);
  });
});
