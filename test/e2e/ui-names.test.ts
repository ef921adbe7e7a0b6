import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLike, sid, tid } from '../fixtures/demo-like.js';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/** What a newcomer reads in Chromium: the slow call's name, local times in swapped-in details, errors in colour. */
const A = tid(0xa11);
const B = tid(0xb22);
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ listen: true });
  for (const body of [demoLike(A, Date.now() - 90_000), demoLike(B, Date.now() - 60_000, 7)]) {
    const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  }
  await eventually(() => (server.reader.getTrace(B).length === 8 ? true : undefined));
  browser = await launchBrowser();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('names, times and colours in Chromium', () => {
  it('the pricing-api call reads "GET → pricing-api"; a clicked span\'s times are local like the header\'s; an error keeps its service colour', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${A}`);
    expect(await page.locator(`#span-${sid(5)} .wf-op`).textContent()).toBe('GET → pricing-api');
    expect(await page.locator(`#span-${sid(2)} .wf-op`).textContent()).toBe('POST → checkout');

    // The header's start is formatted by app.js ("2026-… 12:34:56.789", no ISO "T"); so must a swapped-in panel's be.
    expect(await page.locator('.trace-facts time').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    await page.locator(`#span-${sid(5)} .wf-name`).click();
    await expect.poll(() => page.locator('#span-details time[data-abs]').first().textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(page.url()).toContain(`span=${sid(5)}`);

    // The failed payments call (checkout's) is drawn in checkout's colour, outlined in the error colour.
    const bar = (id: number) => page.locator(`#span-${sid(id)} .wf-bar`).evaluate((el) => {
      const cs = getComputedStyle(el);
      return { bg: cs.backgroundColor, image: cs.backgroundImage, outline: cs.outlineStyle };
    });
    const ok = await bar(5);
    const failed = await bar(6);
    expect(failed.bg).toBe(ok.bg);
    expect(failed.image).toBe('none');
    expect(failed.outline).toBe('solid');
    expect(ok.outline).toBe('none');
    expect(await page.locator(`#span-${sid(6)} .wf-err`).count()).toBe(1);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('screenshots: trace, search and compare, 1280 and 390 px, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const w = await watchedPage(browser, server.uiUrl, { colorScheme, viewport: { width, height: 800 } });
        await w.page.goto(`${server.uiUrl}/trace/${A}?span=${sid(6)}`);
        await screenshot(w.page, `names-trace-${width}-${colorScheme}`);
        await w.page.goto(`${server.uiUrl}/?range=1h`);
        expect(await w.page.locator('.scatter-legend').isVisible()).toBe(true);
        await screenshot(w.page, `names-search-${width}-${colorScheme}`);
        await w.page.goto(`${server.uiUrl}/compare?a=${A}&b=${B}`);
        await screenshot(w.page, `names-compare-${width}-${colorScheme}`);
        expect(w.errors).toEqual([]);
        await w.context.close();
      }
    }
  }, 120_000);
});
