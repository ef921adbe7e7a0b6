import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/**
 * Every page names a call by what it does ("GET → pricing-api"), through analysis/span-name.ts; times and keys
 * read well in swapped-in fragments; a trace whose spans are still coming is marked. A demo-like trace: frontend
 * calls checkout (no peer name: named by the service that answered), checkout calls inventory and the
 * uninstrumented pricing-api (named by service.peer.name), and a payments call that fails.
 */
const tid = (n: number) => n.toString(16).padStart(32, '0');
const sid = (n: number) => n.toString(16).padStart(16, '0');
const OLD = tid(0xa01d);
const OLD_B = tid(0xa01e);
const FRESH = tid(0xf5e5);
const NOW = Date.now();

interface S { id: number; parent?: number; name: string; kind: number; start: number; end: number; error?: boolean; attrs?: Record<string, string | number> }
const kv = (a: Record<string, string | number>) =>
  Object.entries(a).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: String(v) } }));

function body(trace: string, t0Ms: number, jitter: number, services: Record<string, S[]>): string {
  const ns = (ms: number) => String(BigInt(Math.round((t0Ms + ms) * 1000)) * 1000n);
  return JSON.stringify({
    resourceSpans: Object.entries(services).map(([service, spans]) => ({
      resource: { attributes: kv({ 'service.name': service }) },
      scopeSpans: [{ scope: { name: 'test' }, spans: spans.map((s) => ({
        traceId: trace, spanId: sid(s.id), parentSpanId: s.parent ? sid(s.parent) : '', name: s.name, kind: s.kind,
        startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(s.end + (s.id === 4 ? jitter : 0)), attributes: kv(s.attrs ?? {}),
        status: s.error ? { code: 2, message: 'failed' } : {},
      })) }],
    })),
  });
}

function demoLike(trace: string, t0Ms: number, jitter = 0): string {
  return body(trace, t0Ms, jitter, {
    frontend: [
      { id: 1, name: 'GET /checkout', kind: 2, start: 0, end: 620, attrs: { 'http.route': '/checkout', 'http.request.method': 'GET' } },
      { id: 2, parent: 1, name: 'POST', kind: 3, start: 2, end: 618, attrs: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:3002/checkout' } },
    ],
    checkout: [
      { id: 3, parent: 2, name: 'POST /checkout', kind: 2, start: 4, end: 616, attrs: { 'http.route': '/checkout', 'http.request.method': 'POST' } },
      { id: 4, parent: 3, name: 'GET', kind: 3, start: 6, end: 30, attrs: { 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:3003/items/1' } },
      { id: 5, parent: 3, name: 'GET', kind: 3, start: 32, end: 566,
        attrs: { 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:3009/quote', 'service.peer.name': 'pricing-api', 'http.response.status_code': 200 } },
      { id: 6, parent: 3, name: 'POST', kind: 3, start: 570, end: 610, error: true,
        attrs: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:3004/charge', 'http.response.status_code': 500 } },
    ],
    inventory: [{ id: 7, parent: 4, name: 'GET /items/:id', kind: 2, start: 8, end: 28, attrs: { 'http.route': '/items/:id' } }],
    payments: [{ id: 8, parent: 6, name: 'POST /charge', kind: 2, start: 572, end: 608, error: true, attrs: { 'http.route': '/charge', 'http.response.status_code': 500 } }],
  });
}

let server: TestServer;
const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });
const HX = { 'hx-request': 'true', 'hx-request-type': 'partial' };

beforeAll(async () => {
  server = await startServer({ listen: false });
  // Two runs of one request a minute ago, 4 ms apart on the inventory call (jitter), and one whose spans just ended.
  for (const b of [demoLike(OLD, NOW - 60_000), demoLike(OLD_B, NOW - 50_000, 4), demoLike(FRESH, NOW - 700)]) {
    const res = await server.otlp.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: b });
    expect(res.statusCode).toBe(200);
  }
  await eventually(() => ([OLD, OLD_B, FRESH].every((t) => server.reader.getTrace(t).length === 8) ? true : undefined));
}, 30_000);
afterAll(async () => server.close());

describe('calls named by what they call, on every page', () => {
  it('trace page: the waterfall names each call by its callee, the server spans by their route', async () => {
    const res = await get(`/trace/${OLD}`);
    expect(res.statusCode).toBe(200);
    const ops = [...res.body.matchAll(/<span class="wf-op">([^<]*)<\/span>/g)].map((m) => m[1].replace(/&gt;/g, '>'));
    expect(ops).toEqual(['GET /checkout', 'POST → checkout', 'POST /checkout', 'GET → inventory', 'GET /items/:id', 'GET → pricing-api', 'POST → payments', 'POST /charge']);
  });

  it('trace page: the analysis panel\'s error chain uses the same names', async () => {
    const res = await get(`/trace/${OLD}`);
    const chain = [...res.body.matchAll(/<span class="chain-op">([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(chain).toContain('POST → payments');
    expect(chain).toContain('POST /charge');
  });

  it('compare: rows and headlines say "GET → pricing-api"; 4 ms of jitter on a 24 ms call (17 %) is not "slower"', async () => {
    const res = await get(`/compare?a=${OLD}&b=${OLD_B}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<span class="cmp-op">GET → pricing-api<\/span>/);
    expect(res.body).not.toMatch(/class="cmp-row both slower"/);
  });

  it('services: calls are labelled "GET → pricing-api"', async () => {
    const res = await get('/services?window=1h');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('GET → pricing-api');
  });

  it('span details: times as <time> the page formats, attribute keys breakable after their dots', async () => {
    const res = await get(`/trace/${OLD}/span/${sid(5)}`, HX);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<time datetime="[^"]+Z" data-abs>/);
    expect(res.body).toContain('http.<wbr>response.<wbr>status_code');
    expect(res.body).toContain('service.<wbr>peer.<wbr>name');
  });
});

describe('still arriving', () => {
  it('marks the trace whose newest span ended under 6 s ago, on its page and in search results, and no other', async () => {
    const fresh = await get(`/trace/${FRESH}`);
    expect(fresh.body).toContain('still arriving');
    const old = await get(`/trace/${OLD}`);
    expect(old.body).not.toContain('still arriving');
    const search = await get('/?range=1h');
    const rows = search.body.split('<tr').filter((r) => r.includes('class="trace-link"'));
    const marked = rows.filter((r) => r.includes('still arriving'));
    expect(rows.length).toBe(3);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toContain(FRESH.slice(0, 8));
  });
});
