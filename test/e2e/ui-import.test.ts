import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The upload form in real Chromium: choose a Jaeger download, submit (a plain multipart POST), follow a trace link.
const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'import', 'jaeger-otel.json');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer({ listen: true });
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

describe('import page in Chromium', () => {
  it('uploads a Jaeger download, shows what was stored, and links to the trace', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/`);
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.waitForURL('**/import');
    await screenshot(page, 'import-form-light');
    await page.getByLabel('Trace file').setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.getByRole('status');
    await result.waitFor();
    expect(await result.locator('h2').innerText()).toBe('Imported 1 trace, 2 spans');
    expect(await result.innerText()).toContain('Jaeger UI JSON');
    await screenshot(page, 'import-result-light');
    await page.getByRole('link', { name: TRACE }).click();
    await page.waitForURL(`**/trace/${TRACE}`);
    expect(await page.locator('h1').first().innerText()).toContain('GET /checkout');
    expectClean(w);
    await w.context.close();
  });

  it('shows why a file was refused; looks right on a phone and in dark mode', async () => {
    const bad = path.join(path.dirname(FIXTURE), '..', '..', '..', 'artifacts', 'bad-import.json');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, '{\n  "resourceSpans": [\n    {"resource": }\n  ]\n}\n');
    for (const [name, opts] of [
      ['import-error-phone-light', { viewport: { width: 390, height: 844 }, colorScheme: 'light' as const }],
      ['import-error-dark', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const }],
    ] as const) {
      const w = await watchedPage(browser, server.uiUrl, opts);
      const { page } = w;
      await page.goto(`${server.uiUrl}/import`);
      await page.getByLabel('Trace file').setInputFiles(bad);
      await page.getByRole('button', { name: 'Import' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('invalid JSON at line 3, column 18');
      // Nothing wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, name);
      // The 400 is the page's status; the console's "Failed to load resource" line for it is expected.
      w.errors = w.errors.filter((e) => !/status of 400/.test(e));
      expectClean(w);
      await w.context.close();
    }
    const w = await watchedPage(browser, server.uiUrl, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await w.page.goto(`${server.uiUrl}/import`);
    await w.page.getByLabel('Trace file').setInputFiles(FIXTURE);
    await w.page.getByRole('button', { name: 'Import' }).click();
    await w.page.getByRole('status').waitFor();
    await screenshot(w.page, 'import-result-phone-dark');
    expectClean(w);
    await w.context.close();
  });
});
