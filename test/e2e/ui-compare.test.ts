import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRequests, TRACE_A, TRACE_B, XSS } from '../fixtures/compare-traces.js';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The compare page in real Chromium: pick two traces from the quick choices (htmx swaps), read the aligned rows.
let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer({ listen: true });
  for (const body of compareRequests()) {
    const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
  }
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function expectClean(w: WatchedPage) {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
}

describe('compare page in Chromium', () => {
  it('picks A and B from the quick choices, then shows the aligned traces', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/compare`);
    await screenshot(page, 'compare-pick');
    await page.getByRole('link', { name: `Use trace ${TRACE_A.slice(0, 8)} as A` }).click();
    await page.waitForURL(`**/compare?a=${TRACE_A}`);
    await expect(page.getByRole('article', { name: 'Trace A' }).isVisible()).resolves.toBe(true);
    await page.getByRole('link', { name: `Use trace ${TRACE_B.slice(0, 8)} as B` }).click();
    await page.waitForURL(`**/compare?a=${TRACE_A}&b=${TRACE_B}`);

    const table = page.locator('table.cmp-table');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(8);
    const onlyB = table.locator('tr', { hasText: 'only in B' });
    expect(await onlyB.innerText()).toContain('POST /charge');
    expect(await table.locator('tr', { hasText: 'only in A' }).innerText()).toContain('cache retry');
    const slower = table.locator('tr', { hasText: '#2' }).locator('.delta.slower').first();
    expect(await slower.innerText()).toBe('+70 ms');
    // Red for slower, as the theme's error colour.
    expect(await slower.evaluate((el) => getComputedStyle(el).color)).not.toBe(await page.evaluate(() => getComputedStyle(document.body).color));
    // The hostile span name is text, and nothing ran.
    expect(await page.getByText(XSS, { exact: true }).count()).toBe(1);
    // Bars on one scale: B's slow call is 4.5 times as wide as A's.
    const widths = await table.locator('tr', { hasText: '#2' }).locator('.cmp-bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(widths[1] / widths[0]).toBeCloseTo(4.5, 0);
    // Dates rendered by app.js.
    expect(await page.locator('time[data-abs]').first().innerText()).toMatch(/^\d{4}-\d{2}-\d{2} /);
    await screenshot(page, 'compare-light');

    // The page URL loaded directly renders the same page (history restore re-requests it).
    await page.reload();
    expect(await page.locator('table.cmp-table tbody tr').count()).toBe(8);
    expectClean(w);
    await w.context.close();
  });

  it('swaps sides, follows a bar to its span, and reads well dark and narrow', async () => {
    const w = await watchedPage(browser, server.uiUrl, { colorScheme: 'dark' });
    const { page } = w;
    await page.goto(`${server.uiUrl}/compare?a=${TRACE_A}&b=${TRACE_B}`);
    await screenshot(page, 'compare-dark');
    await page.getByRole('link', { name: 'Swap A ↔ B' }).click();
    await page.waitForURL(`**/compare?a=${TRACE_B}&b=${TRACE_A}`);
    expect(await page.locator('.delta.faster').count()).toBeGreaterThan(0);
    const href = await page.locator('table.cmp-table a.cmp-track').first().getAttribute('href');
    expect(href).toMatch(new RegExp(`^/trace/${TRACE_B}\\?span=[0-9a-f]{16}$`));

    await page.setViewportSize({ width: 420, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0); // the table scrolls inside its panel, the page does not
    await screenshot(page, 'compare-narrow');
    expectClean(w);
    await w.context.close();
  });
});
