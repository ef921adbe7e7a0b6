import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/** /map through inject: the graph, broken and uninstrumented edges, links, escaping inside SVG, windows. */

const XSS = '<img src=x onerror=alert(1)>';
const MS = 1_000_000n;
const NOW_MS = Number(T0 / MS) + 1_800_000; // half an hour after the traffic

let server: TestServer;
beforeAll(async () => {
  // A short grace period: the service graph decides unanswered calls after it.
  server = await startServer({ listen: false, now: () => NOW_MS, graceMs: 100 });
  // legacy → inventory loses the trace (the analysis-api scenario); frontend → checkout fails; frontend → XSS service.
  const body = exportRequest({
    frontend: [
      { traceId: tid(1), spanId: sid(1), name: 'GET /', kind: 2, start: T0, durationNs: 100n * MS },
      { traceId: tid(1), spanId: sid(2), parentSpanId: sid(1), name: 'GET', kind: 3, start: T0 + 5n * MS, durationNs: 90n * MS,
        attributes: { 'server.address': 'legacy', 'server.port': 8080 } },
      { traceId: tid(3), spanId: sid(30), name: 'GET /buy', kind: 2, start: T0 + 120_000n * MS, durationNs: 50n * MS },
      { traceId: tid(3), spanId: sid(31), parentSpanId: sid(30), name: 'POST', kind: 3, start: T0 + 120_001n * MS, durationNs: 40n * MS },
      { traceId: tid(3), spanId: sid(33), parentSpanId: sid(30), name: 'GET', kind: 3, start: T0 + 120_041n * MS, durationNs: 4n * MS },
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
      { traceId: tid(3), spanId: sid(32), parentSpanId: sid(31), name: 'POST /buy', kind: 2, start: T0 + 120_002n * MS, durationNs: 35n * MS, error: true },
    ],
    [XSS]: [{ traceId: tid(3), spanId: sid(34), parentSpanId: sid(33), name: XSS, kind: 2, start: T0 + 120_042n * MS, durationNs: 2n * MS }],
  });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
  await eventually(async () => ((await get('/map?window=all')).body.includes('data-child="db.internal:5432"') ? true : undefined));
});
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });
const start1h = String(NOW_MS - 3_600_000);

/** The <a> group of the edge parent → child. */
function edgeGroup(body: string, parent: string, child: string): string {
  const m = new RegExp(`<a class="edge[^"]*" href="[^"]*" data-parent="${parent}" data-child="${child}">[\\s\\S]*?</a>`).exec(body);
  expect(m, `${parent} → ${child}`).not.toBeNull();
  return m![0];
}

describe('/map', () => {
  it('draws the last hour by default: nodes, edges with counts, a legend, the edge table and the API call', async () => {
    const res = await get('/map');
    expect(res.statusCode).toBe(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<svg class="map-svg"');
    expect(res.body).toMatch(/aria-current="true"[^>]*>Last hour</);
    expect(res.body).toContain('class="map-legend');
    expect(res.body).toContain('<table class="data map-edges">');
    expect(res.body).toContain(`API: <code>GET /api/dependencies?start=${start1h}&amp;end=${NOW_MS}</code>`);
  });

  it('links a traced edge to the traces containing both services, within the window', async () => {
    const g = edgeGroup((await get('/map')).body, 'frontend', 'legacy');
    expect(g).toContain(`href="/?service=frontend&amp;alsoService=legacy&amp;start=${start1h}"`);
    expect(g).toContain('marker-end="url(#arrow)"');
  });

  it('makes an erroring edge stand out', async () => {
    const g = edgeGroup((await get('/map')).body, 'frontend', 'checkout');
    expect(g).toMatch(/class="edge error"/);
    expect(g).toContain('1 · 1 err');
    expect(g).toContain('marker-end="url(#arrow-error)"');
  });

  it('dashes a broken-propagation edge, explains it on hover and links to the caller\'s traces', async () => {
    const body = (await get('/map')).body;
    const g = edgeGroup(body, 'legacy', 'inventory');
    expect(g).toMatch(/class="edge broken"/);
    expect(g).toContain('<title>legacy calls inventory without forwarding traceparent: 1 call continued in another trace.');
    expect(g).toContain("so this opens legacy&#39;s traces");
    expect(g).toContain(`href="/?service=legacy&amp;start=${start1h}"`);
    expect(body).toContain('1 broken link');
  });

  it('draws an uninstrumented callee dashed and without a link', async () => {
    const body = (await get('/map')).body;
    expect(body).toMatch(/<g class="node uninstrumented"[^>]*>\s*<title>db\.internal:5432: uninstrumented/);
    expect(body).toContain(`<a class="node" href="/?service=inventory&amp;start=${start1h}"`);
  });

  it('escapes a hostile service name in SVG text, titles, attributes and the table', async () => {
    const body = (await get('/map')).body;
    expect(body).not.toContain(XSS);
    const esc = '&lt;img src=x onerror=alert(1)&gt;';
    expect(body).toContain(`<title>frontend → ${esc}: 1 call. Opens the traces that contain both.</title>`);
    expect(body).toContain(`data-child="${esc}"`);
    expect(body).toContain(`<td>${esc}</td>`);
    expect(body).toContain('>&lt;img src=x onerro…</text>'); // the node label, cut to fit its box
  });

  it('shows an empty state when the window holds no calls', async () => {
    const res = await get('/map?window=5m');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('No calls between services in this window');
    expect(res.body).not.toContain('<svg class="map-svg"');
  });

  it('takes all time and custom windows', async () => {
    expect((await get('/map?window=all')).body).toContain('data-parent="legacy"');
    const custom = await get(`/map?start=${Number(T0 / MS) - 1000}&end=${new Date(Number(T0 / MS) + 1000).toISOString()}`);
    expect(custom.body).toContain('data-parent="legacy"');
    expect(custom.body).not.toContain('data-child="checkout"'); // two minutes later: outside the window's minutes
  });

  it('gives htmx the region alone', async () => {
    const res = await get('/map?window=24h', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.body).toContain('<svg class="map-svg"');
    expect(res.headers.vary).toMatch(/HX-Request/);
  });

  it.each(['window=1w', 'start=soon', 'start=2024-01-01T00:00:00Z&end=2023-01-01T00:00:00Z'])('answers 400 for %s', async (qs) => {
    const res = await get(`/map?${qs}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('error-box');
  });
});
