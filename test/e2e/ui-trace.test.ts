import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';
import { bigTrace, CHECKOUT, checkoutTrace, DEEP, deepTrace, linkedTrace, sid, tid, XSS } from '../web/trace-fixture.js';

const BIG = tid(0xb16);
let server: TestServer;
let browser: Browser;

async function post(body: string): Promise<void> {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ listen: true });
  for (const body of [checkoutTrace(), linkedTrace(), deepTrace(), bigTrace(BIG, 1500)]) await post(body);
  await eventually(() => (server.reader.getTrace(BIG).length === 1500 && server.reader.getTrace(DEEP).length > 0 ? true : undefined));
  browser = await launchBrowser();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function clean(w: WatchedPage): void {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
}

describe('trace page in Chromium', () => {
  it('shows the waterfall, collapses and expands a subtree, opens details without a reload, switches theme', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    await expect.poll(() => page.locator('#span-details').count()).toBe(1);
    // The XSS span name is text, not an element.
    expect(await page.locator('#waterfall img').count()).toBe(0);
    expect(await page.locator(`#span-${sid(40)} .wf-op`).textContent()).toBe(XSS);
    await screenshot(page, 'trace-light');

    // Collapse checkout's server span: its children disappear; expand: they are back.
    const child = page.locator(`#span-${sid(10)}`);
    expect(await child.isVisible()).toBe(true);
    await page.locator(`#span-${sid(3)} .wf-caret`).click();
    expect(await child.isVisible()).toBe(false);
    await page.locator(`#span-${sid(3)} .wf-caret`).click();
    expect(await child.isVisible()).toBe(true);

    // Details arrive by htmx: the window survives and the URL is the shareable ?span= one.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.locator(`#span-${sid(32)} .wf-name`).click();
    await expect.poll(() => page.locator('#span-details .stack').count()).toBe(1);
    expect(await page.locator('#span-details').textContent()).toContain('CardDeclinedError');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(page.url()).toContain(`?span=${sid(32)}`);
    expect(await page.locator('#span-details .stack script').count()).toBe(0);
    await screenshot(page, 'trace-details');

    // Find highlights matches (htmx swaps the waterfall; the URL follows).
    await page.locator('input[name=find]').fill('inventory');
    await expect.poll(() => page.locator('.wf-find-summary').count()).toBe(1);
    expect(await page.locator('#waterfall .wf-row.match').count()).toBeGreaterThanOrEqual(4);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

    // Theme toggle: auto → light → dark.
    for (let i = 0; i < 3 && (await page.getAttribute('html', 'data-theme')) !== 'dark'; i++) await page.click('#theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    await screenshot(page, 'trace-dark');
    clean(w);
    await w.context.close();
  });

  it('moves with j/k, opens with Enter, jumps to errors with e', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    const cursor = () => page.locator('#waterfall .wf-row.cursor').getAttribute('data-span');
    await page.keyboard.press('j');
    expect(await cursor()).toBe(sid(1));
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await cursor()).toBe(sid(3));
    await page.keyboard.press('k');
    expect(await cursor()).toBe(sid(2));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#span-details .details-name').textContent()).toBe('POST → checkout'); // what the span does: its call and whom it called
    expect(page.url()).toContain(`?span=${sid(2)}`);
    await page.keyboard.press('e');
    const first = await cursor();
    expect(await page.locator(`#span-${first}`).getAttribute('data-error')).not.toBeNull();
    expect(first).not.toBe(sid(2));
    await page.keyboard.press('e');
    expect(await cursor()).not.toBe(first);
    // Typing in the find box does not move the cursor.
    await page.keyboard.press('/');
    await page.keyboard.type('j');
    expect(await page.inputValue('input[name=find]')).toBe('j');
    clean(w);
    await w.context.close();
  });

  it('follows a deep link: details open and the row scrolled into view', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    const target = sid(1400);
    await page.goto(`${server.uiUrl}/trace/${BIG}?span=${target}`);
    expect(await page.locator('#span-details .details-name').textContent()).toBe(`query ${(1400 - 52) % 13} → sqlite`);
    await expect.poll(() => page.locator(`#span-${target}`).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    })).toBe(true);
    clean(w);
    await w.context.close();
  });

  it('stays usable on a narrow window', async () => {
    const w = await watchedPage(browser, server.uiUrl, { viewport: { width: 420, height: 800 } });
    await w.page.goto(`${server.uiUrl}/trace/${CHECKOUT}?span=${sid(32)}`);
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await screenshot(w.page, 'trace-narrow');
    clean(w);
    await w.context.close();
  });

  it('loads a deep subtree when it is expanded', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${DEEP}`);
    const lazy = page.locator('details.wf-node:not([open]) > summary').first();
    const id = await lazy.getAttribute('data-span');
    expect(id).toBeTruthy();
    const next = sid(Number.parseInt(id!, 16) + 1);
    expect(await page.locator(`#span-${next}`).count()).toBe(0);
    await lazy.locator('.wf-caret').click();
    await expect.poll(() => page.locator(`#span-${next}`).count()).toBe(1);
    expect(await page.locator(`#span-${next}`).isVisible()).toBe(true);
    clean(w);
    await w.context.close();
  });
});
