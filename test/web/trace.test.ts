import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../helpers/server.js';
import { bigTrace, CHECKOUT, checkoutTrace, DEEP, deepTrace, LINKED, linkedTrace, sid, tid, XSS } from './trace-fixture.js';

const BIG = tid(0x10000);
const HX = { 'hx-request': 'true', 'hx-request-type': 'partial' };
let server: TestServer;

async function post(body: string): Promise<void> {
  const res = await server.otlp.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ listen: false });
  for (const body of [checkoutTrace(), linkedTrace(), deepTrace()]) await post(body);
  // 10,000 spans, sent in five requests as an SDK would batch them.
  const big = JSON.parse(bigTrace(BIG, 10_000));
  const spans = big.resourceSpans[0].scopeSpans[0].spans;
  for (let i = 0; i < spans.length; i += 2000) {
    big.resourceSpans[0].scopeSpans[0].spans = spans.slice(i, i + 2000);
    await post(JSON.stringify(big));
  }
  await eventually(() => (server.reader.getTrace(BIG).length === 10_000 && server.reader.getTrace(DEEP).length ? true : undefined));
}, 60_000);
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });

describe('trace page', () => {
  it('renders the header, waterfall, analysis and its API calls as a full page', async () => {
    const res = await get(`/trace/${CHECKOUT}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<html');
    expect(res.body).toContain('id="waterfall"');
    expect(res.body).toContain('GET /checkout');
    expect(res.body).toMatch(/<time datetime="2023-11-14T22:13:20.000Z" data-abs>/);
    expect(res.body).toContain('Why it failed');
    // The four inventory calls are one N+1 finding; all the calls together the "if independent" one.
    expect(res.body).toContain('<h2>Repeated calls</h2>');
    expect(res.body).toContain('checkout made 4 sequential GET /items/:id calls to inventory (128 ms): batch them or run them concurrently to save up to 96 ms.');
    expect(res.body).toContain('<h2>Sequential calls to different services</h2>');
    expect(res.body).toMatch(/checkout called inventory 4 times, orders-db and payments, one after another \(\d+ ms\): if these calls do not depend on each other/);
    expect(res.body).toContain(`/api/traces/${CHECKOUT}/analysis`);
    expect(res.body).toContain(`href="/trace/${CHECKOUT}/otlp.json"`);
    expect(res.body).toMatch(/action="\/compare"[\s\S]*name="a" value="0+c0ffee"/);
    expect(res.body).toContain('data-search-focus');
    // Every row is a real link and an htmx request for its details.
    // The #span- anchor opens a page loaded without JavaScript at the span's row.
    expect(res.body).toContain(`href="/trace/${CHECKOUT}?span=${sid(32)}#span-${sid(32)}" hx-get="/trace/${CHECKOUT}/span/${sid(32)}"`);
  });

  it('escapes span names, attribute keys and values, and stack traces', async () => {
    const page = await get(`/trace/${CHECKOUT}?span=${sid(40)}`);
    expect(page.body).not.toContain(XSS);
    expect(page.body).not.toContain('<b onmouseover');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).toContain('&lt;b onmouseover=alert(3)&gt;v&lt;/b&gt;');
    const stack = await get(`/trace/${CHECKOUT}/span/${sid(32)}`, HX);
    expect(stack.body).not.toContain('<script>alert(2)');
    expect(stack.body).toContain('<pre class="stack">Error: card declined &lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('answers htmx with fragments: the waterfall for find, the details panel, a subtree', async () => {
    const find = await get(`/trace/${CHECKOUT}?find=inventory`, HX);
    expect(find.body).not.toContain('<html');
    expect(find.body.trimStart()).toMatch(/^<div id="waterfall"/);
    expect(find.body).toContain('8 spans of 15 match');
    expect(find.body.match(/class="wf-row[^"]* match/g)?.length).toBe(8);
    expect(find.headers.vary).toMatch(/HX-Request/);

    const details = await get(`/trace/${CHECKOUT}/span/${sid(2)}`, HX);
    expect(details.body.trimStart()).toMatch(/^<section id="span-details"/);
    expect(details.body).toContain(`href="/trace/${LINKED}?span=${sid(0x51)}"`);

    const deep = await get(`/trace/${DEEP}`);
    const lazy = deep.body.match(/hx-get="(\/trace\/[0-9a-f]+\/subtree\/[0-9a-f]+)" hx-trigger="intersect once"/);
    expect(lazy).not.toBeNull();
    const subtree = await get(lazy![1], HX);
    expect(subtree.statusCode).toBe(200);
    expect(subtree.body).not.toContain('<html');
    expect(subtree.body).toContain('wf-row');
  });

  it('sends fragment URLs loaded directly to their full pages', async () => {
    const details = await get(`/trace/${CHECKOUT}/span/${sid(2)}`);
    expect(details.statusCode).toBe(303);
    expect(details.headers.location).toBe(`/trace/${CHECKOUT}?span=${sid(2)}#span-${sid(2)}`);
    const subtree = await get(`/trace/${CHECKOUT}/subtree/${sid(3)}`);
    expect(subtree.headers.location).toBe(`/trace/${CHECKOUT}?focus=${sid(3)}`);
    const focus = await get(`/trace/${CHECKOUT}?focus=${sid(3)}`);
    expect(focus.body).toContain('Showing the subtree of');
    expect(focus.body).not.toContain(`id="span-${sid(1)}"`);
  });

  it('renders a deep link with the span details open and its row selected', async () => {
    const res = await get(`/trace/${CHECKOUT}?span=${sid(32)}`);
    expect(res.body).toContain('CardDeclinedError');
    expect(res.body).toMatch(new RegExp(`class="wf-row[^"]*selected[^"]*" id="span-${sid(32)}"`));
  });

  it('answers 404 for an unknown trace or span and 400 for malformed IDs, as pages and as fragments', async () => {
    const missing = await get(`/trace/${tid(0xdead)}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<html');
    expect(missing.body).toContain('There is no trace');
    const bad = await get('/trace/not-hex');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('hex digits');
    const badSpan = await get(`/trace/${CHECKOUT}?span=xyz`);
    expect(badSpan.statusCode).toBe(400);
    const frag = await get(`/trace/${CHECKOUT}/span/${sid(999)}`, HX);
    expect(frag.statusCode).toBe(404);
    expect(frag.body).not.toContain('<html');
    expect(frag.body).toContain('error-box');
    const unknownSpan = await get(`/trace/${CHECKOUT}?span=${sid(999)}`);
    expect(unknownSpan.statusCode).toBe(200);
    expect(unknownSpan.body).toContain('This trace has no span');
  });

  it('keeps a 10,000-span trace to a bounded page, with the rest one request away', async () => {
    const res = await get(`/trace/${BIG}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('10,000 spans');
    expect(res.body.length).toBeLessThan(400_000);
    const rows = res.body.match(/class="wf-row/g)?.length ?? 0;
    // Breadth first: the root and its 50 children at least, never past the row budget.
    expect(rows).toBeGreaterThanOrEqual(51);
    expect(rows).toBeLessThan(400);
    // Closed subtrees (breadth first, the shape stays visible) load their rows on demand.
    const more = res.body.match(/hx-get="([^"]+\/subtree\/[0-9a-f]{16})" hx-trigger="intersect once"/);
    expect(more).not.toBeNull();
    const next = await get(more![1].replaceAll('&amp;', '&'), HX);
    expect(next.statusCode).toBe(200);
    expect(next.body.length).toBeLessThan(400_000);
    // A deep link to a span far down the trace still renders that row.
    const deep = await get(`/trace/${BIG}?span=${sid(9_990)}`);
    expect(deep.body).toContain(`id="span-${sid(9_990)}"`);
    expect(deep.body.length).toBeLessThan(400_000);
  });

  it('downloads the trace as OTLP JSON that loads into a fresh tracelite as the same spans', async () => {
    const res = await get(`/trace/${CHECKOUT}/otlp.json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="trace-${CHECKOUT}.otlp.json"`);
    const fresh = await startServer({ listen: false });
    try {
      const load = await fresh.otlp.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: res.body });
      expect(load.statusCode).toBe(200);
      const again = await eventually(() => (fresh.reader.getTrace(CHECKOUT).length === 15 ? fresh.reader.getTrace(CHECKOUT) : undefined));
      const byId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
      expect(again.sort(byId)).toEqual(server.reader.getTrace(CHECKOUT).sort(byId));
    } finally {
      await fresh.close();
    }
  });
});
