import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, SCREENSHOTS, watchedPage } from '../helpers/browser.js';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** /sampling: off (the explanation), on (the live counters, refreshed by htmx), and its Chromium screenshots. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-policy-'));
const policyFile = path.join(dir, 'policy.json');
fs.writeFileSync(
  policyFile,
  JSON.stringify({
    name: 'team <b>policy</b>',
    rules: [
      { name: 'errors', type: 'error' },
      { name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' },
      { name: 'slow', type: 'latency', quantile: 0.99 },
      { name: 'one-percent', type: 'probabilistic', rate: 0.01 },
    ],
  }),
);

let off: TestServer;
let on: TestServer;
let browser: Browser;
beforeAll(async () => {
  off = await startServer();
  on = await startServer({ sampling: policyFile, decisionWaitMs: 100 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([off?.close(), on?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function send(server: TestServer, first: number, n: number, error = false) {
  const spans = Array.from({ length: n }, (_, k) => ({ traceId: tid(first + k), spanId: sid(first + k), name: 'GET /', kind: 2, start: T0, durationNs: 3_000_000n, error }));
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: exportRequest({ web: spans }) });
  expect(res.status).toBe(200);
}

describe('/sampling', () => {
  it('with sampling off explains head and tail sampling, the starter policy and how to turn it on', async () => {
    const res = await off.ui.inject({ method: 'GET', url: '/sampling' });
    expect(res.statusCode).toBe(200);
    const t = text(res.body);
    expect(t).toContain('Sampling is off: every trace is stored');
    expect(t).toMatch(/Head sampling decides when a trace starts/);
    expect(t).toMatch(/Tail sampling decides once a trace is complete/);
    expect(t).toContain('npx tracelite --sampling starter');
    expect(res.body).toContain('href="/sampling/simulate"');
    expect(res.body).toMatch(/<a href="\/sampling" aria-current="page">Sampling<\/a>/);
    expect(res.body).not.toContain('hx-trigger="every 2s"'); // nothing to refresh
    expect((await off.ui.inject({ method: 'GET', url: '/api/sampling' })).json()).toEqual({ enabled: false, policy: null });
  });

  it('with a policy shows its rules in order with their counts, escaped, and refreshes as a fragment', async () => {
    await send(on, 1, 30);
    await send(on, 100, 5, true);
    // Decided after the 100 ms wait by the 250 ms sweep.
    for (let i = 0; i < 100 && on.sampler!.stats().traces.buffered > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const res = await on.ui.inject({ method: 'GET', url: '/sampling' });
    const t = text(res.body);
    expect(res.body).toContain('team &lt;b&gt;policy&lt;/b&gt;');
    expect(res.body).not.toContain('<b>policy</b>');
    expect(t).toContain('Traces seen 35 35 spans');
    expect(t.indexOf('errors')).toBeLessThan(t.indexOf('health'));
    expect(t).toMatch(/errors any span of the trace failed any span of the trace failed keep 5 0/);
    expect(t).toContain('a span or resource has http.route = &quot;/health&quot;');
    expect(res.body).toContain('hx-trigger="every 2s"');
    const frag = await on.ui.inject({ method: 'GET', url: '/sampling', headers: { 'hx-request': 'true' } });
    expect(frag.body.trimStart().startsWith('<div id="sampling-body"')).toBe(true);
    expect(frag.body).not.toContain('<html');
  });

  it('in Chromium: no errors, counters update by themselves, fits 390 px; screenshots light and dark', async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [server, name] of [[off, 'off'], [on, 'on']] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [1280, 390]) {
          const w = await watchedPage(browser, server.uiUrl, { colorScheme, viewport: { width, height: 900 } });
          await w.page.goto(`${server.uiUrl}/sampling`);
          const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow).toBeLessThanOrEqual(0);
          await w.page.screenshot({ path: path.join(SCREENSHOTS, `sampling-${name}-${width}-${colorScheme}.png`), fullPage: true });
          expect(w.errors).toEqual([]);
          expect(w.foreignRequests).toEqual([]);
          await w.context.close();
        }
      }
    }
    const w = await watchedPage(browser, on.uiUrl);
    await w.page.goto(`${on.uiUrl}/sampling`);
    const seen = () => w.page.locator('.sampling-totals .total').first().locator('.total-value').textContent();
    const before = Number((await seen())!.replace(/,/g, ''));
    await send(on, 1_000, 7);
    await w.page.waitForFunction((n) => Number(document.querySelector('.sampling-totals .total-value')!.textContent!.replace(/,/g, '')) > n, before, { timeout: 10_000 });
    expect(Number((await seen())!.replace(/,/g, ''))).toBe(before + 7);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });
});
