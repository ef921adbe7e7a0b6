import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** /clear: deleting every trace from the UI, behind the same cross-site check as DELETE /api/traces. */
let server: TestServer;
const traces = async () => (await server.ui.inject({ method: 'GET', url: '/api/traces' })).json().traces.length as number;

beforeAll(async () => {
  server = await startServer({ listen: false });
  const body = exportRequest({ web: [1, 2].map((n) => ({ traceId: tid(n), spanId: sid(n), name: 'GET /', kind: 2, start: T0, durationNs: 1_000_000n })) });
  expect((await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } })).statusCode).toBe(200);
});
afterAll(async () => server.close());

describe('/clear', () => {
  it('is linked from every page and says what deleting removes before anything is deleted', async () => {
    const search = await server.ui.inject({ method: 'GET', url: '/' });
    expect(search.body).toContain('<a href="/clear">Delete all traces…</a>');
    const page = await server.ui.inject({ method: 'GET', url: '/clear' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post" action="/clear">');
    expect(page.body).toContain('curl -s -X DELETE');
    expect(await traces()).toBe(2);
  });

  it('refuses a post from another site and keeps every trace', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }]) {
      const res = await server.ui.inject({ method: 'POST', url: '/clear', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
    }
    expect(await traces()).toBe(2);
  });

  it('deletes everything when its own form posts (as Chromium does: Origin null, Sec-Fetch-Site same-origin)', async () => {
    const res = await server.ui.inject({ method: 'POST', url: '/clear', headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Every trace is deleted.');
    expect(await traces()).toBe(0);
  });
});
