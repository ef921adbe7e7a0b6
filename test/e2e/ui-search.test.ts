import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import { exportRequest, sid, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MS = 1_000_000n;
const XSS = '<img src=x onerror=alert(1)>';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ listen: true }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Twenty traces over the last two minutes: web → checkout → db, some slow, some failing, one hostile name. */
function traffic(): string {
  const now = BigInt(Date.now()) * MS;
  const web: JsonSpanSpec[] = [];
  const checkout: JsonSpanSpec[] = [];
  const db: JsonSpanSpec[] = [];
  for (let i = 0; i < 20; i++) {
    const start = now - BigInt(120 - i * 6) * 1000n * MS;
    const dur = BigInt(20 + ((i * 37) % 9) * 60) * MS;
    const viaCheckout = i % 3 !== 0;
    const name = i === 7 ? XSS : viaCheckout ? 'POST /checkout' : 'GET /products';
    web.push({ traceId: tid(i + 1), spanId: sid(1000 + i), name, kind: 2, start, durationNs: dur, error: i % 5 === 4, attributes: { 'http.route': viaCheckout ? '/checkout' : '/products' } });
    if (viaCheckout) {
      checkout.push({ traceId: tid(i + 1), spanId: sid(2000 + i), parentSpanId: sid(1000 + i), name: 'POST /pay', kind: 2, start: start + MS, durationNs: dur - 3n * MS, error: i % 5 === 4 });
      for (let k = 0; k < (i % 4) + 1; k++) {
        db.push({ traceId: tid(i + 1), spanId: sid(3000 + i * 10 + k), parentSpanId: sid(2000 + i), name: 'SELECT orders', kind: 3, start: start + BigInt(2 + k) * MS, durationNs: MS });
      }
    }
  }
  return exportRequest({ web, checkout, db });
}

describe('search page in Chromium', () => {
  it('teaches with no data, announces arriving traces, filters in place, and keeps the theme', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    page.setDefaultTimeout(5000);
    await page.goto(`${server.uiUrl}/`);
    await page.getByText('No traces yet').waitFor();
    await screenshot(page, 'search-empty');

    const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', body: traffic(), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    // The empty state polls every 5 s and offers the new traces without replacing the view by itself.
    const announce = page.locator('.new-traces-link');
    await announce.waitFor({ timeout: 9000 });
    expect(await announce.textContent()).toContain('20 new traces — show');
    // Those first traces fill the form's service list too, so "show" loads the whole page.
    await announce.click();
    await page.locator('table.traces tbody tr').first().waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    expect(await page.locator('table.traces tbody tr').count()).toBe(20);
    expect(await page.locator('.scatter circle').count()).toBe(20);
    // The hostile span name is text, not an element.
    expect(await page.locator('.trace-link .op', { hasText: XSS }).isVisible()).toBe(true);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await screenshot(page, 'search-light');

    // Choosing a service updates the results and the URL without a full reload, and fills the operations.
    await page.selectOption('#service', 'checkout');
    await page.waitForURL(/service=checkout/);
    await page.locator('#operation option[value="POST /pay"]').waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.querySelectorAll('table.traces tbody tr').length === 13);
    await page.fill('#minDuration', '200ms');
    await page.waitForURL(/minDuration=200ms/);
    await page.waitForFunction(() => document.querySelector('.results-count')?.textContent !== '13 traces');
    const durations = await page.locator('td.dur .dur-text').allTextContents();
    expect(durations.length).toBeGreaterThan(0);
    for (const d of durations) expect(Number.parseFloat(d) >= 200 || d.endsWith(' s')).toBe(true);
    expect(page.url()).not.toContain('operation=');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

    // '/' focuses the service select.
    await page.locator('h2.results-count').click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('service');

    // The theme toggle cycles auto → light → dark and is remembered across a reload.
    await page.click('#theme-toggle');
    await page.click('#theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.reload();
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    // The pushed URL renders the whole page when loaded directly.
    expect(await page.locator('#search-form').count()).toBe(1);
    expect(await page.inputValue('#minDuration')).toBe('200ms');
    await page.goto(`${server.uiUrl}/`);
    await page.locator('table.traces tbody tr').first().waitFor();

    // Traces arriving while the results are shown are announced; "show" refreshes the results in place.
    const now = BigInt(Date.now()) * MS;
    const fresh = [1, 2].map((n) => ({ traceId: tid(900 + n), spanId: sid(9000 + n), name: 'GET /fresh', kind: 2, start: now, durationNs: 30n * MS }));
    await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', body: exportRequest({ web: fresh }), headers: { 'content-type': 'application/json' } });
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 2));
    const more = page.locator('.new-traces-link');
    await more.waitFor({ timeout: 9000 });
    expect(await more.textContent()).toContain('2 new traces — show');
    await more.click();
    await page.locator('.trace-link .op', { hasText: 'GET /fresh' }).first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(2);
    await screenshot(page, 'search-dark');
    await page.setViewportSize({ width: 420, height: 800 });
    await screenshot(page, 'search-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    expect(w.errors).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);

    // Two ticked results go to the compare page, through a plain GET form.
    await page.goto(`${server.uiUrl}/?sort=slowest`);
    expect(await page.isDisabled('#compare-button')).toBe(true);
    const boxes = page.locator('#compare-form input[name="trace"]');
    const [a, b] = [await boxes.nth(0).getAttribute('value'), await boxes.nth(1).getAttribute('value')];
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.click('#compare-button');
    await page.waitForURL((u) => u.pathname === '/compare' && u.searchParams.get('a') === a && u.searchParams.get('b') === b);
    await page.goBack();

    // A result opens its trace.
    await page.locator('a.trace-link').first().waitFor();
    const href = await page.locator('a.trace-link').first().getAttribute('href');
    await page.locator('a.trace-link').first().click();
    await page.waitForURL((u) => u.pathname === href);
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
    await w.context.close();
  });
});
