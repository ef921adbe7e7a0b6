import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { exportRequest, sid, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/**
 * /services and /map in real Chromium over real ingested traffic: 12 requests in the last 12 minutes through
 * frontend → legacy → (traceparent dropped) → inventory → postgres (uninstrumented), and frontend → checkout →
 * payments where every third payment fails, plus a service with a hostile name.
 */

const XSS = '<img src=x onerror=alert(1)>';
const MS = 1_000_000n;

function traffic(nowMs: number): string {
  const by: Record<string, JsonSpanSpec[]> = { frontend: [], legacy: [], inventory: [], checkout: [], payments: [], [XSS]: [] };
  let n = 0;
  const span = (svc: string, s: Omit<JsonSpanSpec, 'spanId'>): string => {
    const spanId = sid(++n);
    by[svc].push({ ...s, spanId });
    return spanId;
  };
  for (let i = 0; i < 12; i++) {
    const t0 = BigInt(nowMs - (12 - i) * 60_000) * MS;
    const [a, b] = [tid(2 * i + 1), tid(2 * i + 2)];
    const root = span('frontend', { traceId: a, name: 'GET /', kind: 2, start: t0, durationNs: 180n * MS });
    const c1 = span('frontend', { traceId: a, parentSpanId: root, name: 'GET', kind: 3, start: t0 + 5n * MS, durationNs: 90n * MS,
      attributes: { 'server.address': 'legacy', 'server.port': 8080 } });
    const l1 = span('legacy', { traceId: a, parentSpanId: c1, name: 'GET /stock', kind: 2, start: t0 + 7n * MS, durationNs: 85n * MS });
    span('legacy', { traceId: a, parentSpanId: l1, name: 'GET', kind: 3, start: t0 + 10n * MS, durationNs: 60n * MS,
      attributes: { 'url.full': 'http://127.0.0.1:3003/items' } });
    const inv = span('inventory', { traceId: b, name: 'GET /items', kind: 2, start: t0 + 12n * MS, durationNs: 55n * MS,
      attributes: { 'http.host': '127.0.0.1:3003' } });
    span('inventory', { traceId: b, parentSpanId: inv, name: 'SELECT items', kind: 3, start: t0 + 15n * MS, durationNs: 20n * MS,
      attributes: { 'server.address': 'postgres', 'server.port': 5432 } });
    const c2 = span('frontend', { traceId: a, parentSpanId: root, name: 'POST', kind: 3, start: t0 + 100n * MS, durationNs: 70n * MS });
    const co = span('checkout', { traceId: a, parentSpanId: c2, name: 'POST /checkout', kind: 2, start: t0 + 102n * MS, durationNs: 65n * MS });
    span('payments', { traceId: a, parentSpanId: co, name: 'POST /charge', kind: 2, start: t0 + 110n * MS,
      durationNs: BigInt(20 + i * 3) * MS, error: i % 3 === 0 });
    if (i % 4 === 0) span(XSS, { traceId: a, parentSpanId: root, name: XSS, kind: 2, start: t0 + 172n * MS, durationNs: 3n * MS });
  }
  return exportRequest(by);
}

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startServer({ listen: true, graceMs: 100 });
  const res = await fetch(`${server.uiUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: traffic(Date.now()),
  });
  expect(res.status).toBe(200);
  // The service graph decides calls without a callee span after its grace period.
  await eventually(async () => {
    const d = await (await fetch(`${server.uiUrl}/api/dependencies`)).json();
    return d.edges.some((e: { broken: boolean }) => e.broken) && d.edges.some((e: { instrumented: boolean }) => !e.instrumented) ? true : undefined;
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of pages) await p.context.close();
  await browser?.close();
  await server?.close();
});

async function open(path: string, colorScheme: 'light' | 'dark' = 'light'): Promise<WatchedPage> {
  const w = await watchedPage(browser, server.uiUrl, { colorScheme });
  pages.push(w);
  await w.page.goto(`${server.uiUrl}${path}`);
  return w;
}

function clean(w: WatchedPage): void {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
}

describe('services and map in Chromium', () => {
  it('/services lists every service with figures, the hostile name as text, and switches window with htmx', async () => {
    const w = await open('/services');
    const { page } = w;
    expect(await page.locator('.service-row').count()).toBe(6);
    expect(await page.locator('.service-row', { hasText: XSS }).count()).toBe(1);
    const payments = page.locator('tbody.service-group', { hasText: 'payments' });
    expect(await payments.locator('.service-row td').nth(1).textContent()).toBe('4'); // errors: i = 0, 3, 6, 9
    await screenshot(page, 'services-light');
    await page.getByRole('link', { name: 'Last 24 h' }).click();
    await page.waitForURL(/window=24h/);
    await page.locator('.window-presets a[aria-current]', { hasText: 'Last 24 h' }).waitFor();
    const href = await page.locator('.op-row a', { hasText: 'POST /charge' }).getAttribute('href');
    expect(href).toMatch(/^\/\?service=payments&operation=POST\+%2Fcharge&start=\d+$/);
    clean(w);
  });

  it('/map draws the broken edge dashed with its explanation, and an edge click lands on the search', async () => {
    const w = await open('/map');
    const { page } = w;
    const broken = page.locator('svg a.edge.broken');
    expect(await broken.count()).toBe(1);
    expect(await broken.locator('title').textContent()).toMatch(
      /^legacy calls inventory without forwarding traceparent: 12 calls continued in another trace\./,
    );
    const dash = await broken.locator('path.line').evaluate((el) => getComputedStyle(el).strokeDasharray);
    expect(dash).not.toBe('none');
    await broken.locator('.label-bg').hover();
    expect(await broken.locator('text.label').textContent()).toBe('12 · trace lost');
    expect(await page.locator('svg a.edge.error').count()).toBeGreaterThan(0); // checkout → payments
    expect(await page.locator('svg .node.uninstrumented').textContent()).toContain('postgres:5432');
    expect(await page.locator('svg text.name', { hasText: '<img src=x' }).count()).toBe(1);
    await page.mouse.move(0, 0);
    await screenshot(page, 'map-light');

    await page.locator('svg a.edge[data-parent="frontend"][data-child="checkout"] .label-bg').click();
    await page.waitForURL(/alsoService=checkout/);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('service')).toBe('frontend');
    expect(url.searchParams.get('alsoService')).toBe('checkout');
    expect(url.searchParams.get('start')).toMatch(/^\d+$/);
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });

  it('/map in the dark theme, and without edges an empty state', async () => {
    const w = await open('/map', 'dark');
    expect(await w.page.locator('svg a.edge').count()).toBeGreaterThan(0);
    await screenshot(w.page, 'map-dark');
    await w.page.goto(`${server.uiUrl}/map?start=1000&end=2000`);
    expect(await w.page.locator('.empty').textContent()).toContain('No calls between services');
    clean(w);
  });
});
