import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRequests, TRACE_A, TRACE_B, TRACE_OTHER, XSS } from '../fixtures/compare-traces.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
  for (const payload of compareRequests()) {
    const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
  }
});
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });
const fragmentHeaders = { 'hx-request': 'true', 'hx-request-type': 'partial' };
/** Text of the table body rows, tags stripped, for "this row says that" assertions. */
const rowTexts = (html: string) =>
  [...html.matchAll(/<tr id="cmp-row-\d+" class="cmp-row ([^"]*)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    cls: m[1],
    text: m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
  }));

describe('GET /compare with two traces', () => {
  it('renders both headers, the aligned rows and the API calls behind them', async () => {
    const res = await get(`/compare?a=${TRACE_A}&b=${TRACE_B}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<html');
    expect(res.body).toContain('href="/static/compare.css"');
    expect(res.body).toContain(`href="/trace/${TRACE_A}"`);
    expect(res.body).toContain(`href="/trace/${TRACE_B}"`);
    expect(res.body).toContain(`GET /api/traces/${TRACE_A}`);
    expect(res.body).toContain(`GET /api/traces/${TRACE_B}`);
    expect(res.body).toMatch(/aria-current="page">Compare</);

    const rows = rowTexts(res.body);
    expect(rows.map((r) => r.text.split(' ').slice(0, 3).join(' '))).toEqual([
      'frontend GET /',
      'checkout GET /checkout',
      `checkout &lt;img src=x`,
      'checkout cache retry',
      'inventory GET /items/{id}',
      'inventory GET /items/{id}',
      'inventory GET /items/{id}',
      'payments POST /charge',
    ]);
    const [root, , , cache, inv1, inv2, , pay] = rows;
    expect(root.cls).toContain('both');
    expect(root.cls).toContain('slower'); // 90 → 160 ms
    expect(cache.cls).toContain('only-a');
    expect(cache.text).toContain('only in A');
    expect(cache.text).toContain('not in this trace');
    expect(pay.cls).toContain('only-b');
    expect(pay.text).toContain('only in B');
    expect(pay.text).toContain('error');
    expect(inv1.text).toContain('±0 ms');
    expect(inv1.cls).not.toMatch(/slower|faster/);
    expect(inv2.text).toContain('#2');
    expect(inv2.text).toContain('+70 ms');
    expect(inv2.text).toContain('+350 %');
    // Each bar links to its span on its trace page.
    expect(res.body).toMatch(new RegExp(`href="/trace/${TRACE_B}\\?span=[0-9a-f]{16}"`));
  });

  it('ranks what got slower in the summary', async () => {
    const res = await get(`/compare?a=${TRACE_A}&b=${TRACE_B}`);
    const summary = res.body.slice(res.body.indexOf('aria-label="Summary"'), res.body.indexOf('</article>', res.body.indexOf('aria-label="Summary"')));
    expect(summary).toContain('Slower in B');
    const slower = [...summary.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
    // Three spans each took 70 ms longer; the unchanged ones are not listed.
    expect(slower).toEqual([
      'frontend GET / +70 ms (+78 %)',
      'checkout GET /checkout +70 ms (+82 %)',
      'inventory GET /items/{id} #2 +70 ms (+350 %)',
    ]);
    // Each links to its row, which the table anchors.
    expect(summary).toContain('href="#cmp-row-5"');
    expect(res.body).toMatch(/<tr id="cmp-row-5" class="cmp-row both slower">/);
    expect(summary).toMatch(/6 spans on both sides/);
    expect(summary).toContain('1 only in A');
    expect(summary).toContain('1 only in B');
  });

  it('shows a hostile span name as text', async () => {
    const res = await get(`/compare?a=${TRACE_A}&b=${TRACE_B}`);
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('gives htmx the body fragment, with the same rows', async () => {
    const res = await get(`/compare?a=${TRACE_A}&b=${TRACE_B}`, fragmentHeaders);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.body).toContain('class="cmp-form"');
    expect(rowTexts(res.body)).toHaveLength(8);
    expect(res.headers.vary).toMatch(/HX-Request/);
  });

  it('says so when the roots differ, and offers to swap sides', async () => {
    const res = await get(`/compare?a=${TRACE_A}&b=${TRACE_OTHER}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('start at different operations');
    expect(res.body).toContain(`href="/compare?a=${TRACE_OTHER}&amp;b=${TRACE_A}"`);
  });

  it('accepts IDs in upper case and without leading zeros', async () => {
    const res = await get(`/compare?a=${TRACE_A.replace(/^0+/, '').toUpperCase()}&b=${TRACE_B}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`href="/trace/${TRACE_A}"`);
  });
});

describe('GET /compare picker', () => {
  it('with no IDs, offers a form and the recent traces as A/B choices', async () => {
    const res = await get('/compare');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form class="cmp-form" action="/compare" method="get"');
    expect(res.body).toContain('Recent traces');
    for (const id of [TRACE_A, TRACE_B, TRACE_OTHER]) {
      expect(res.body).toContain(`href="/compare?a=${id}"`);
      expect(res.body).toContain(`href="/compare?b=${id}"`);
    }
    expect(res.body).toContain('GET /api/traces?limit=12');
  });

  it('with one ID, shows that trace and other runs of its root operation', async () => {
    const res = await get(`/compare?a=${TRACE_A}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('aria-label="Trace A"');
    expect(res.body).toContain('Other frontend GET / traces');
    expect(res.body).toContain(`href="/compare?a=${TRACE_A}&amp;b=${TRACE_B}"`);
    expect(res.body).not.toContain(`b=${TRACE_OTHER}`); // another operation
    expect(res.body).toContain('GET /api/traces?service=frontend&amp;operation=GET+%2F&amp;limit=12');
  });

  it('treats empty parameters as not given', async () => {
    const res = await get(`/compare?a=&b=${TRACE_B}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('aria-label="Trace B"');
  });

  it('teaches what to do when there are no traces at all', async () => {
    const empty = await startServer({ listen: false });
    try {
      const res = await empty.ui.inject({ method: 'GET', url: '/compare' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('No traces yet');
      expect(res.body).toContain('tracelite demo');
    } finally {
      await empty.close();
    }
  });
});

describe('GET /compare errors', () => {
  it('answers 400 for a malformed ID, naming the parameter', async () => {
    for (const url of [`/compare?a=xyz&b=${TRACE_B}`, `/compare?a=${TRACE_A}&b=${'1'.repeat(33)}`, '/compare?a=<script>']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/\b[ab] must be 1 to 32 hex digits/);
      expect(res.body).not.toContain('<script>');
    }
  });

  it('answers 404 for an unknown trace, as a page or as a fragment', async () => {
    const unknown = 'f'.repeat(32);
    const page = await get(`/compare?a=${TRACE_A}&b=${unknown}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('<html');
    expect(page.body).toContain(`Trace ${unknown} (side B) is not in this tracelite`);
    const fragment = await get(`/compare?a=${unknown}`, fragmentHeaders);
    expect(fragment.statusCode).toBe(404);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain('error-box');
  });
});
