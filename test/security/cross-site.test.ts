import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Every route that changes stored data, against what another site's page can make a browser send: a form post
 * (urlencoded, multipart or text/plain, which need no CORS preflight), or fetch with `mode: 'no-cors'`. Each is
 * refused with 403 and nothing changes. Only Origin and Sec-Fetch-Site tell a forged request apart; the browser
 * sets both and no page can.
 */
let server: TestServer;
const body = (n: number) => exportRequest({ web: [{ traceId: tid(n), spanId: sid(n), name: 'GET /', kind: 2, start: T0, durationNs: 1_000_000n }] });
const count = () => server.reader.services().reduce((n, s) => n + s.spanCount, 0);

beforeAll(async () => {
  server = await startServer({ listen: false });
  for (const n of [1, 2, 3]) await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body(n), headers: { 'content-type': 'application/json' } });
  expect(count()).toBe(3);
});
afterAll(async () => server.close());

const FORGED: Array<Record<string, string>> = [
  { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://evil.example' },
  { 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' },
  { origin: 'http://localhost:3000' }, // another port on the same machine is another origin
  { origin: 'null', 'sec-fetch-site': 'cross-site' }, // a sandboxed iframe or a data: page
  { origin: 'null' },
];

const multipart = (content: string) => {
  const boundary = 'forgedboundary';
  return {
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.json"\r\nContent-Type: application/json\r\n\r\n${content}\r\n--${boundary}--\r\n`,
    type: `multipart/form-data; boundary=${boundary}`,
  };
};

const ROUTES: Array<{ name: string; method: 'DELETE' | 'POST'; url: string; payload?: () => { payload: string; type: string } }> = [
  { name: 'DELETE /api/traces', method: 'DELETE', url: '/api/traces' },
  { name: 'POST /api/import (text/plain: no preflight)', method: 'POST', url: '/api/import', payload: () => ({ payload: body(50), type: 'text/plain' }) },
  { name: 'POST /api/import (JSON via no-cors)', method: 'POST', url: '/api/import', payload: () => ({ payload: body(51), type: 'application/json' }) },
  { name: 'POST /import (the upload form)', method: 'POST', url: '/import', payload: () => multipart(body(52)) },
  { name: 'POST /clear (the delete form)', method: 'POST', url: '/clear', payload: () => ({ payload: 'confirm=yes', type: 'application/x-www-form-urlencoded' }) },
  { name: 'POST /clear (enctype text/plain)', method: 'POST', url: '/clear', payload: () => ({ payload: 'confirm=yes', type: 'text/plain' }) },
];

describe.each(ROUTES)('$name', ({ method, url, payload }) => {
  it.each(FORGED)('refuses %o with 403 and stores and deletes nothing', async (headers) => {
    const p = payload?.();
    const res = await server.ui.inject({ method, url, payload: p?.payload, headers: { ...headers, ...(p ? { 'content-type': p.type } : {}) } });
    expect(res.statusCode).toBe(403);
    expect(res.body).toMatch(/refused/);
    expect(count()).toBe(3);
    for (const n of [50, 51, 52]) expect(server.reader.getTrace(tid(n))).toHaveLength(0);
  });
});

describe('the same routes from the UI itself still work', () => {
  it('same-origin posts (Chromium sends Origin: null under no-referrer, Sec-Fetch-Site same-origin) and curl', async () => {
    const own = { origin: 'null', 'sec-fetch-site': 'same-origin' };
    const upload = multipart(body(60));
    expect((await server.ui.inject({ method: 'POST', url: '/import', payload: upload.payload, headers: { ...own, 'content-type': upload.type } })).statusCode).toBe(200);
    expect(server.reader.getTrace(tid(60))).toHaveLength(1);
    expect((await server.ui.inject({ method: 'POST', url: '/api/import', payload: body(61), headers: { 'content-type': 'application/json', origin: 'http://localhost:80' } })).statusCode).toBe(200);
    expect(server.reader.getTrace(tid(61))).toHaveLength(1);
    // /clear's own button: Chromium posts a form without fields as an empty application/x-www-form-urlencoded body.
    const clear = await server.ui.inject({ method: 'POST', url: '/clear', payload: '', headers: { ...own, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(clear.statusCode).toBe(200);
    expect(count()).toBe(0);
  });
});
