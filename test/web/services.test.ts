import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** /services through inject: windows, page vs fragment, escaping, links to the search. */

const XSS = '<img src=x onerror=alert(1)>';
const NOW_MS = 1_750_000_000_000;
const MS = 1_000_000n;
const NOW_NS = BigInt(NOW_MS) * MS;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false, now: () => NOW_MS });
  // Two spans 10 min ago (one an error), one 2 h ago, and an XSS-named service and operation 1 min ago.
  const body = exportRequest({
    web: [
      { traceId: tid(1), spanId: sid(1), name: 'GET /', kind: 2, start: NOW_NS - 600_000n * MS, durationNs: 12n * MS },
      { traceId: tid(2), spanId: sid(2), name: 'GET /', kind: 2, start: NOW_NS - 590_000n * MS, durationNs: 80n * MS, error: true },
      { traceId: tid(3), spanId: sid(3), name: 'GET /old', kind: 2, start: NOW_NS - 7_200_000n * MS, durationNs: 5n * MS },
    ],
    [XSS]: [{ traceId: tid(4), spanId: sid(4), name: XSS, kind: 2, start: NOW_NS - 60_000n * MS, durationNs: 2n * MS }],
  });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });

describe('/services', () => {
  it('defaults to all time: every service and operation, with figures and a histogram', async () => {
    const res = await get('/services');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<html');
    expect(res.body).toContain('<link rel="stylesheet" href="/static/services.css">');
    expect(res.body).toMatch(/aria-current="true"[^>]*>All time</);
    expect(res.body).toContain('href="/?service=web&amp;operation=GET+%2Fold"');
    expect(res.body).toContain('>50 %<'); // GET /: 1 error in 2
    expect(res.body).toContain('class="hist"');
    expect(res.body).toContain('API: <code>GET /api/stats</code>');
  });

  it('a preset counts only the window and links to the search with its start', async () => {
    const res = await get('/services?window=1h');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('GET /old');
    const start = String(NOW_MS - 3_600_000);
    expect(res.body).toContain(`href="/?service=web&amp;operation=GET+%2F&amp;start=${start}"`);
    expect(res.body).toMatch(/aria-current="true"[^>]*>Last hour</);
  });

  it('a custom start/end (RFC 3339 or epoch ms) is a window too', async () => {
    const start = NOW_MS - 8_000_000;
    const end = NOW_MS - 7_000_000;
    const res = await get(`/services?start=${start}&end=${new Date(end).toISOString()}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('GET /old');
    expect(res.body).not.toContain('>GET /<');
    expect(res.body).toContain(`start=${start}&amp;end=${end}`);
    expect(res.body).toMatch(/<details class="window-custom" open>/);
  });

  it('an empty window teaches instead of showing an empty table', async () => {
    const res = await get('/services?window=5m');
    expect(res.body).toContain('services-table'); // the XSS-named service's span is 1 min old
    const empty = await get(`/services?start=${NOW_MS - 100_000_000}&end=${NOW_MS - 99_000_000}`);
    expect(empty.body).toContain('No requests in this window');
  });

  it('gives htmx the region alone', async () => {
    const res = await get('/services?window=24h', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.body).toContain('services-table');
    expect(res.body).toContain('hx-target="#services-body"');
    expect(res.headers.vary).toMatch(/HX-Request/);
  });

  it('escapes service and operation names', async () => {
    const res = await get('/services');
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it.each([
    ['window=2d', 'window must be one of'],
    ['start=yesterday', 'start must be RFC 3339'],
    [`start=${NOW_MS}&end=${NOW_MS - 1}`, 'end must not be before start'],
  ])('answers 400 for %s', async (qs, message) => {
    const res = await get(`/services?${qs}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(message);
    const fragment = await get(`/services?${qs}`, { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(fragment.statusCode).toBe(400);
    expect(fragment.body).not.toContain('<html');
  });
});
