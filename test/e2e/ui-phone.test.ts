import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import { exportRequest, sid, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';
import { CHECKOUT, checkoutTrace, linkedTrace } from '../web/trace-fixture.js';

/**
 * Every page at 390 px (an iPhone's width) in real Chromium: no sideways page scroll, the map's nodes all in
 * view on open, and the trace's new views (statistics, flame graph, links) and the open-by-ID box at both widths
 * and in both themes, screenshotted for people to look at (artifacts/screenshots, git-ignored).
 */

const MS = 1_000_000n;
let server: TestServer;
let browser: Browser;

/** Recent traffic for search, services and the map: frontend → checkout-service-with-a-long-name → inventory, a DB. */
function traffic(): string {
  const now = BigInt(Date.now()) * MS;
  const by: Record<string, JsonSpanSpec[]> = { frontend: [], 'checkout-service-with-a-long-name': [], inventory: [], 'payments-gateway': [] };
  for (let i = 0; i < 12; i++) {
    const t = tid(0x9000 + i);
    const start = now - BigInt(300 - i * 20) * 1000n * MS;
    const dur = BigInt(40 + i * 30) * MS;
    by.frontend.push({ traceId: t, spanId: sid(0x100 + i), name: i === 3 ? 'POST /api/v2/customers/{customerId}/orders/{orderId}/line-items/bulk-update' : 'GET /checkout', kind: 2, start, durationNs: dur, error: i % 4 === 1, attributes: { 'http.route': '/checkout' } });
    by.frontend.push({ traceId: t, spanId: sid(0x200 + i), parentSpanId: sid(0x100 + i), name: 'GET', kind: 3, start: start + MS, durationNs: dur - 2n * MS, attributes: { 'server.address': 'checkout', 'url.full': 'http://checkout:8080/checkout?cart=1234567890abcdef1234567890abcdef' } });
    by['checkout-service-with-a-long-name'].push({ traceId: t, spanId: sid(0x300 + i), parentSpanId: sid(0x200 + i), name: 'GET /checkout', kind: 2, start: start + 2n * MS, durationNs: dur - 4n * MS, error: i % 4 === 1 });
    by['checkout-service-with-a-long-name'].push({ traceId: t, spanId: sid(0x400 + i), parentSpanId: sid(0x300 + i), name: 'GET', kind: 3, start: start + 3n * MS, durationNs: 10n * MS, attributes: { 'server.address': 'inventory' } });
    by.inventory.push({ traceId: t, spanId: sid(0x500 + i), parentSpanId: sid(0x400 + i), name: 'GET /items/:id', kind: 2, start: start + 4n * MS, durationNs: 8n * MS });
    by['checkout-service-with-a-long-name'].push({ traceId: t, spanId: sid(0x600 + i), parentSpanId: sid(0x300 + i), name: 'POST', kind: 3, start: start + 15n * MS, durationNs: 20n * MS, error: i % 4 === 1, attributes: { 'server.address': 'payments-gateway' } });
    by['payments-gateway'].push({ traceId: t, spanId: sid(0x700 + i), parentSpanId: sid(0x600 + i), name: 'POST /charge', kind: 2, start: start + 16n * MS, durationNs: 18n * MS, error: i % 4 === 1 });
    by['checkout-service-with-a-long-name'].push({ traceId: t, spanId: sid(0x800 + i), parentSpanId: sid(0x300 + i), name: 'SELECT orders', kind: 3, start: start + 40n * MS, durationNs: 5n * MS, attributes: { 'db.system': 'postgresql', 'server.address': 'orders-db', 'server.port': 5432 } });
  }
  return exportRequest(by);
}

async function post(body: string): Promise<void> {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ listen: true }), launchBrowser()]);
  for (const body of [traffic(), checkoutTrace(), linkedTrace()]) await post(body);
  await eventually(() => (server.reader.getTrace(CHECKOUT).length > 0 && server.reader.getTrace(tid(0x900b)).length === 8 ? true : undefined));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const PAGES: Array<[string, string]> = [
  ['search', '/'],
  ['trace', `/trace/${CHECKOUT}`],
  ['trace-recent', `/trace/${tid(0x9003)}`],
  ['trace-stats', `/trace/${CHECKOUT}/stats`],
  ['trace-flame', `/trace/${CHECKOUT}/flame`],
  ['trace-links', `/trace/${CHECKOUT}/links`],
  ['services', '/services'],
  ['map', '/map'],
  ['compare', '/compare'],
  ['compare-result', `/compare?a=${tid(0x9003)}&b=${tid(0x9004)}`],
  ['import', '/import'],
  ['sampling', '/sampling'],
  ['clear', '/clear'],
  ['simulate', '/sampling/simulate'],
  ['open-error', '/open?id=not-a-trace-id'],
];

describe('every page at 390 px', () => {
  it('has no horizontal page scroll, and the map shows all its nodes on open', async () => {
    const wide: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      const w = await watchedPage(browser, server.uiUrl, { colorScheme, viewport: { width: 390, height: 844 } });
      w.page.setDefaultTimeout(8000);
      for (const [name, url] of PAGES) {
        await w.page.goto(`${server.uiUrl}${url}`, { waitUntil: 'load' });
        const { scrollWidth, innerWidth, culprit } = await w.page.evaluate(() => {
          const vw = window.innerWidth;
          // The widest element poking out, to name in the failure.
          let culprit = '';
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > vw + 1 && r.width > 0 && !el.closest('.tv-scroll, .map-scroll, .api-call pre, pre')) {
              culprit = `${el.tagName.toLowerCase()}.${(el as HTMLElement).className} right=${Math.round(r.right)}`;
              break;
            }
          }
          return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, culprit };
        });
        if (scrollWidth > innerWidth) wide.push(`${name} (${colorScheme}): scrollWidth ${scrollWidth} > ${innerWidth}; ${culprit}`);
        if (name === 'map') {
          const nodes = await w.page.locator('.map-svg .node rect').evaluateAll((rects) =>
            rects.map((r) => { const b = r.getBoundingClientRect(); return { left: b.left, right: b.right }; }));
          expect(nodes.length).toBeGreaterThanOrEqual(5);
          const out = nodes.filter((n) => n.left < 0 || n.right > 390);
          if (out.length) wide.push(`map (${colorScheme}): ${out.length} of ${nodes.length} nodes out of view, right edges ${out.map((n) => Math.round(n.right)).join(', ')}`);
        }
        await screenshot(w.page, `phone-${name}-${colorScheme}`);
      }
      // The open-error page answers 400 on purpose; Chromium logs that status as a console error.
      expect(w.errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
      expect(w.foreignRequests).toEqual([]);
      await w.context.close();
    }
    expect(wide).toEqual([]);
  }, 120_000);
});

describe('trace views and the open box in Chromium', () => {
  it('sorts statistics, zooms the flame graph, follows a link, and opens a pasted traceparent', async () => {
    const w = await watchedPage(browser, server.uiUrl, { viewport: { width: 1280, height: 800 } });
    const { page } = w;
    page.setDefaultTimeout(8000);
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.waitForURL(/\/stats$/);
    await screenshot(page, 'trace-stats-1280-light');
    await page.locator('table.tv-stats').nth(1).getByRole('link', { name: 'Count' }).click();
    await page.waitForURL(/sort=count&dir=desc/);
    const counts = await page.locator('table.tv-stats').nth(1).locator('td.col-count').allTextContents();
    expect(counts.map(Number)).toEqual([...counts.map(Number)].sort((a, b) => b - a));

    await page.getByRole('link', { name: 'Flame graph' }).click();
    await page.waitForURL(/\/flame$/);
    await screenshot(page, 'trace-flame-1280-light');
    const checkoutBox = page.locator('a.fl-box', { hasText: 'POST /api/checkout' });
    const before = (await checkoutBox.boundingBox())!.width;
    await checkoutBox.click();
    await page.waitForURL(/focus=0000000000000003/);
    const after = (await page.locator('a.fl-box', { hasText: 'POST /api/checkout' }).boundingBox())!.width;
    expect(after).toBeGreaterThan(before);
    const graph = (await page.locator('.fl-graph').boundingBox())!;
    expect(Math.abs(after - graph.width)).toBeLessThan(2);
    await screenshot(page, 'trace-flame-zoomed-1280-light');
    await page.getByRole('link', { name: 'reset zoom' }).click();
    await page.waitForURL(/\/flame$/);

    await page.getByRole('link', { name: 'Links', exact: true }).click();
    await screenshot(page, 'trace-links-1280-light');
    await page.locator('a.tv-link-to').first().click();
    await page.waitForURL(/\/trace\/0+beef\?span=0000000000000051#span-0000000000000051$/);
    await page.getByText('load cart').first().waitFor();

    const box = page.getByRole('searchbox', { name: 'Trace ID or traceparent to open' });
    await box.fill(`00-${CHECKOUT.toUpperCase()}-0000000000000002-01`);
    await box.press('Enter');
    await page.waitForURL(new RegExp(`/trace/${CHECKOUT}$`));
    await box.fill('definitely not an id');
    await box.press('Enter');
    await page.getByText('is not a trace ID').waitFor();
    expect(w.errors.filter((e) => !e.includes('400'))).toEqual([]);
    await w.context.close();

    for (const [scheme, width] of [['dark', 1280], ['dark', 390], ['light', 390]] as const) {
      const d = await watchedPage(browser, server.uiUrl, { colorScheme: scheme, viewport: { width, height: 800 } });
      for (const view of ['stats', 'flame', 'links']) {
        await d.page.goto(`${server.uiUrl}/trace/${CHECKOUT}/${view}`);
        await screenshot(d.page, `trace-${view}-${width}-${scheme}`);
      }
      await d.context.close();
    }
  }, 90_000);
});
