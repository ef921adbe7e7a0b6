import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { exportRequest, sid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * /sampling/simulate in real Chromium over traffic sent over OTLP/HTTP: 400 traces of `frontend GET /` in the
 * last 20 minutes (random trace IDs, every 10th failed in its payments call, every 100th 1.5 s), 30 health checks.
 */

const MS = 1_000_000n;

function traffic(nowMs: number): string {
  const frontend: JsonSpanSpec[] = [];
  const payments: JsonSpanSpec[] = [];
  for (let i = 0; i < 430; i++) {
    const traceId = randomBytes(16).toString('hex');
    const start = BigInt(nowMs - 1_200_000 + i * 2500) * MS;
    const health = i >= 400;
    const ms = health ? 1n : i % 100 === 60 ? 1500n : 30n + BigInt(i % 17);
    frontend.push({ traceId, spanId: sid(2 * i + 1), name: health ? 'GET /health' : 'GET /', kind: 2, start, durationNs: ms * MS, attributes: { 'http.route': health ? '/health' : '/' } });
    if (!health) payments.push({ traceId, spanId: sid(2 * i + 2), parentSpanId: sid(2 * i + 1), name: 'POST /charge', kind: 2, start: start + MS, durationNs: ms * MS - 2n * MS, error: i % 10 === 4 });
  }
  return exportRequest({ frontend, payments });
}

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startServer({ listen: true });
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: traffic(Date.now()) });
  expect(res.status).toBe(200);
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of pages) await p.context.close();
  await browser?.close();
  await server?.close();
});

async function open(path: string, opts: { colorScheme?: 'light' | 'dark'; width?: number } = {}): Promise<WatchedPage> {
  const w = await watchedPage(browser, server.uiUrl, { colorScheme: opts.colorScheme, viewport: { width: opts.width ?? 1280, height: 900 } });
  pages.push(w);
  await w.page.goto(`${server.uiUrl}${path}`);
  return w;
}

function clean(w: WatchedPage): void {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
}

describe('the sampling simulator in Chromium', () => {
  it('compares head sampling at 1 % with the starter policy side by side; an example opens its trace', async () => {
    const w = await open('/sampling/simulate');
    const { page } = w;
    await expect.poll(() => page.locator('.sim-strategy').count()).toBe(2);
    const head = page.locator('.sim-head');
    const tail = page.locator('.sim-tail');
    const errored = (col: typeof head) => col.locator('.sim-incident', { hasText: 'Errored traces' });
    expect(await errored(tail).textContent()).toContain('40 kept');
    expect(await errored(tail).textContent()).toContain('0 missed');
    expect(await tail.locator('.sim-incident', { hasText: 'p99-slow' }).textContent()).toContain('4 kept');
    const headErrors = await errored(head).textContent();
    expect(Number(/(\d+) missed/.exec(headErrors!)![1])).toBeGreaterThan(30);
    // Boxes side by side at 1280 px.
    const [a, b] = [await head.boundingBox(), await tail.boundingBox()];
    expect(b!.x).toBeGreaterThan(a!.x + a!.width - 1);
    expect(Math.abs(b!.y - a!.y)).toBeLessThan(2);
    await screenshot(page, 'simulate-light-1280');

    const link = errored(head).locator('.sim-examples a').first();
    const id = (await link.getAttribute('href'))!.split('/').pop()!;
    await link.click();
    await page.waitForURL(new RegExp(`/trace/${id}$`));
    clean(w);
  });

  it('runs an edited policy through the form (htmx swaps the result and pushes the URL)', async () => {
    const w = await open('/sampling/simulate');
    const { page } = w;
    await page.getByLabel(/Custom/).check();
    const policy = { name: 'no-health', rules: [{ name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' }, { name: 'errors', type: 'error' }] };
    await page.locator('textarea[name=policy]').fill(JSON.stringify(policy, null, 2));
    await page.locator('input[name=head]').fill('0.1');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.waitForURL(/preset=custom/);
    await page.locator('h2', { hasText: 'Tail policy “no-health”' }).waitFor();
    const rules = page.locator('.sim-rules tbody tr');
    expect(await rules.count()).toBe(3);
    expect(await rules.nth(0).locator('td.num').first().textContent()).toBe('30');
    expect(await rules.nth(1).locator('td.num').first().textContent()).toBe('40');
    expect(await page.locator('.sim-head h2 + p').textContent()).toContain('10 %');
    // A bad policy: the message above the form, the form keeps the text.
    await page.locator('textarea[name=policy]').fill('{"rules":[{"name":"x","type":"probabilistic","rate":3}]}');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.locator('.error-box').waitFor();
    expect(await page.locator('.error-box').textContent()).toContain('rules[0] (x): rate must be between 0 and 1');
    expect(await page.locator('textarea[name=policy]').inputValue()).toContain('"rate":3');
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });

  it('works without JavaScript: the GET form submits and the page answers', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.uiUrl}/sampling/simulate`);
    await page.locator('input[name=head]').fill('0.5');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.waitForURL(/head=0\.5/);
    expect(await page.locator('.sim-head h2 + p').textContent()).toContain('50 %');
    await context.close();
  });

  it('reads at 390 px and in the dark theme', async () => {
    const narrow = await open('/sampling/simulate', { width: 390 });
    await screenshot(narrow.page, 'simulate-light-390');
    // Nothing wider than the screen: tables and the curl line scroll inside their own boxes, the page does not.
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    const dark = await open('/sampling/simulate', { colorScheme: 'dark' });
    await screenshot(dark.page, 'simulate-dark-1280');
    const darkNarrow = await open('/sampling/simulate', { colorScheme: 'dark', width: 390 });
    await screenshot(darkNarrow.page, 'simulate-dark-390');
    clean(narrow);
    clean(dark);
  });
});
