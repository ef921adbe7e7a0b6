import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLike, sid, tid } from '../fixtures/demo-like.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/**
 * Every page names a call by what it does ("GET → pricing-api"), through analysis/span-name.ts; times and keys
 * read well in swapped-in fragments; a trace whose spans are still coming is marked (fixtures/demo-like.ts).
 */
const OLD = tid(0xa01d);
const OLD_B = tid(0xa01e);
const FRESH = tid(0xf5e5);
const NOW = Date.now();

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
    // Headed by what it does, with the raw span name beside it for those who search by it.
    expect(res.body).toContain('<h2 class="details-name">GET → pricing-api</h2>');
    expect(res.body).toMatch(/span name <code>GET<\/code>/);
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
