import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { MAIN, startCli, type RunningCli } from '../helpers/cli.js';
import { eventually, tempDbPath } from '../helpers/server.js';

/**
 * The "Done when", as a newcomer would do it: with `tracelite demo` running, go from the search page to
 * the slowest trace, see where its time went and the sequential fan-out, see an error's origin, and see the
 * broken propagation on the map. Pages are reached only by what they show: links, form controls and URLs.
 */
let demo: RunningCli;
let browser: Browser;
let w: WatchedPage;
let dir: string;

interface Summary { traceId: string; durationNs: string | number; spanCount: number; errorCount: number; rootService: string }

const getJson = async (url: string) => {
  const res = await fetch(url);
  return res.status === 200 ? res.json() : undefined;
};

beforeAll(async () => {
  const tmp = tempDbPath();
  dir = tmp.dir;
  demo = await startCli(process.execPath, [MAIN, 'demo', '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', tmp.db], { processGroup: true });
  // Enough traffic for the lessons: a complete errored checkout trace, four traces complete for 5 s, and the
  // legacy → inventory link seen.
  await eventually(async () => {
    const errored = await getJson(`${demo.uiUrl}/api/traces?service=payments&error=true&limit=5`);
    if (!errored?.traces.some((t: Summary) => t.spanCount >= 20)) return undefined;
    const all = await getJson(`${demo.uiUrl}/api/traces?service=frontend&limit=20&end=${Date.now() - 5_000}`);
    if ((all?.traces.length ?? 0) < 4) return undefined;
    const deps = await getJson(`${demo.uiUrl}/api/dependencies`);
    return deps?.edges.some((e: { parent: string; child: string; broken: boolean }) => e.parent === 'legacy' && e.child === 'inventory' && e.broken) ? true : undefined;
  }, 40_000);
  browser = await launchBrowser();
  w = await watchedPage(browser, demo.uiUrl);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  try {
    if (demo) process.kill(-demo.child.pid!, 'SIGKILL');
  } catch {
    // The group has already ended.
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Trace IDs the results table links to, in the order shown (the scatter plot's dots come in time order). */
async function listedTraceIds(page: Page): Promise<string[]> {
  const hrefs = await page.locator('main table a[href^="/trace/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  const ids = hrefs.map((h) => /^\/trace\/([0-9a-f]{32})(?:$|[?#])/.exec(h)?.[1]).filter((id): id is string => !!id);
  return [...new Set(ids)];
}

/**
 * The services export their spans every 500 ms, so the newest trace can still be filling in. A newcomer who
 * opens it a second later sees it whole; the tour waits the same way, for the span count to settle.
 */
async function settled(traceId: string): Promise<void> {
  let last = -1;
  await eventually(async () => {
    await new Promise((r) => setTimeout(r, 700));
    const n = (await getJson(`${demo.uiUrl}/api/traces/${traceId}`))?.spans.length ?? 0;
    const done = n > 0 && n === last;
    last = n;
    return done ? true : undefined;
  }, 10_000);
}

/** Percent shares from the analysis' "where the time went" rows, keyed by the service named in the row. */
async function timeShares(page: Page): Promise<Array<{ text: string; pct: number }>> {
  const analysis = page.getByRole('region', { name: 'Analysis' });
  const rows = await analysis.locator('tr').allInnerTexts();
  return rows.map((text) => ({ text, pct: Number(/([\d.]+)\s*%/.exec(text)?.[1] ?? NaN) })).filter((r) => !Number.isNaN(r.pct));
}

describe('the newcomer tour, on tracelite demo', () => {
  it('search → the slowest trace: where the time went and the sequential fan-out', { timeout: 60_000 }, async () => {
    const { page } = w;
    // Traces that started over 5 s ago are complete (the demo's requests take under a second and export every
    // 500 ms), so the durations compared below cannot grow while the test reads them.
    await page.goto(`${demo.uiUrl}/?end=${Date.now() - 5_000}`);
    // Sort the results by duration, as the page offers.
    await page.getByRole('navigation', { name: /sort/i }).getByRole('link', { name: /slowest/i }).click();
    await page.waitForURL(/[?&]sort=slowest/);
    const ids = await listedTraceIds(page);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    // The first listed is the slowest of those listed, by the API's own numbers.
    const durations = await Promise.all(
      ids.map(async (id) => {
        const t = await getJson(`${demo.uiUrl}/api/traces/${id}`);
        const starts = t.spans.map((s: { startTimeUnixNano: string }) => BigInt(s.startTimeUnixNano));
        const ends = t.spans.map((s: { endTimeUnixNano: string }) => BigInt(s.endTimeUnixNano));
        return Number(ends.reduce((a: bigint, b: bigint) => (b > a ? b : a)) - starts.reduce((a: bigint, b: bigint) => (b < a ? b : a)));
      }),
    );
    expect(durations[0]).toBe(Math.max(...durations));
    await screenshot(page, 'tour-search');

    await settled(ids[0]);
    await page.locator(`main a[href="/trace/${ids[0]}"]`).first().click();
    await page.waitForURL(`**/trace/${ids[0]}**`);
    const analysis = page.getByRole('region', { name: 'Analysis' });
    await expect(analysis.getByText(/where the time went/i).isVisible()).resolves.toBe(true);
    await screenshot(page, 'tour-trace');

    // pricing-api, which sends no spans, is marked as such and has the largest share.
    const shares = await timeShares(page);
    const top = shares.reduce((a, b) => (b.pct > a.pct ? b : a));
    expect(top.text).toContain('pricing-api');
    expect(top.text).toMatch(/not traced|uninstrumented/i);

    // checkout's five inventory lookups: a repeated call to batch, then the calls to different services.
    await expect(analysis.getByRole('heading', { name: 'Repeated calls' }).isVisible()).resolves.toBe(true);
    const repeated = await analysis.locator('p', { hasText: /sequential GET \/items\/\{id\} calls to inventory/ }).innerText();
    expect(repeated).toMatch(/^checkout made 5 sequential .*: batch them or run them concurrently to save up to \d+ ms\./);
    await expect(analysis.getByRole('heading', { name: 'Sequential calls to different services' }).isVisible()).resolves.toBe(true);
    const sequential = await analysis.locator('p', { hasText: /if these calls do not depend on each other/ }).innerText();
    expect(sequential).toMatch(/^checkout called inventory 5 times, pricing-api and payments, one after another/);
    // frontend's parallel calls to checkout and legacy are no finding.
    expect(await analysis.locator('.finding', { hasText: /^frontend/ }).count()).toBe(0);
  });

  it('an errored trace names payments as where the error began', { timeout: 30_000 }, async () => {
    const { page } = w;
    await page.goto(`${demo.uiUrl}/`);
    await page.getByRole('checkbox', { name: /errors only/i }).check();
    await page.waitForURL(/[?&]error=true/);
    const [first] = await listedTraceIds(page);
    expect(first).toBeTruthy();
    await settled(first);
    await page.locator(`main a[href="/trace/${first}"]`).first().click();
    await page.waitForURL(`**/trace/${first}**`);

    const analysis = page.getByRole('region', { name: 'Analysis' });
    await expect(analysis.getByRole('heading', { name: /why it failed/i }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'tour-error');
    // The chain runs from the frontend that answered 502 down to its origin in payments.
    const origin = analysis.locator('li', { hasText: /origin/i });
    expect(await origin.count()).toBe(1);
    expect(await origin.innerText()).toMatch(/payments/);
    expect(await analysis.innerText()).toMatch(/CardDeclinedError/);
  });

  it('the service map shows legacy → inventory dashed, with its explanation', { timeout: 30_000 }, async () => {
    const { page } = w;
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Service map' }).click();
    await page.waitForURL('**/map**');
    const edge = page.locator('svg a[data-parent="legacy"][data-child="inventory"]');
    expect(await edge.count()).toBe(1);
    const dash = await edge.locator('path').evaluateAll((ps) => ps.map((p) => getComputedStyle(p).strokeDasharray));
    expect(dash.some((d) => d !== 'none' && d !== '')).toBe(true);
    // Its explanation, shown on hover: the caller did not forward traceparent.
    expect(await edge.locator('title').textContent()).toMatch(/traceparent/);
    await edge.hover();
    await screenshot(page, 'tour-map');
    // The explanation is also written out, for readers who do not hover.
    expect(await page.getByRole('note').filter({ hasText: /broken link/i }).count()).toBe(1);
  });

  it('compares two traces, picked on the search page and from a trace page', { timeout: 30_000 }, async () => {
    const { page } = w;
    await page.goto(`${demo.uiUrl}/?sort=slowest`);
    const [a, b] = await listedTraceIds(page);
    for (const id of [a, b]) await page.locator(`main table tr:has(a[href="/trace/${id}"])`).getByRole('checkbox').check();
    await page.getByRole('button', { name: /compare selected/i }).click();
    await page.waitForURL(`**/compare?a=${a}&b=${b}`);
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(10);
    // Same request shape: most spans align; pricing-api's random delay makes checkout's call to it differ.
    expect(await page.getByRole('article', { name: 'Summary' }).innerText()).toMatch(/spans on both sides/);
    await screenshot(page, 'tour-compare');

    // From trace B's page, "compare with" trace A gives the same comparison the other way round.
    await page.getByRole('article', { name: 'Trace B' }).getByRole('link').first().click();
    await page.waitForURL(`**/trace/${b}**`);
    await page.getByRole('textbox', { name: /compare with/i }).fill(a);
    await page.getByRole('button', { name: /compare with/i }).click();
    await page.waitForURL(`**/compare?a=${b}&b=${a}`);
    expect(await page.locator('main table tbody tr').count()).toBe(await rows.count());
  });

  it('saw no console error, no dialog and no request to another host anywhere', () => {
    expect(w.errors).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });
});
