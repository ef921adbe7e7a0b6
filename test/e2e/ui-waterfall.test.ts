import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';
import { bigTrace, CHECKOUT, checkoutTrace, linkedTrace, sid, tid } from '../web/trace-fixture.js';

/**
 * The waterfall in Chromium: critical-path segments, big traces seen whole (breadth first), `e` reaching an
 * error not loaded yet, zoom from the minimap, the keyboard path (skip link, one Tab stop per row, Esc) and the
 * no-JavaScript anchors and highlights.
 */

const MID = tid(0x2026);
const HUGE = tid(0x10000);
// Deep in the last steps' subtrees: neither is rendered in the first view.
const MID_ERR = 2_020;
const HUGE_ERR = 9_990;
let server: TestServer;
let browser: Browser;

async function post(body: string): Promise<void> {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
}

/** Sent in batches of 2,000, as an SDK would. */
async function postBig(trace: string, count: number, errors: number[]): Promise<void> {
  const big = JSON.parse(bigTrace(trace, count, errors));
  const spans = big.resourceSpans[0].scopeSpans[0].spans;
  for (let i = 0; i < spans.length; i += 2000) {
    big.resourceSpans[0].scopeSpans[0].spans = spans.slice(i, i + 2000);
    await post(JSON.stringify(big));
  }
}

beforeAll(async () => {
  server = await startServer({ listen: true });
  for (const body of [checkoutTrace(), linkedTrace()]) await post(body);
  await postBig(MID, 2026, [MID_ERR]);
  await postBig(HUGE, 10_000, [HUGE_ERR]);
  await eventually(() =>
    server.reader.getTrace(MID).length === 2026 && server.reader.getTrace(HUGE).length === 10_000 && server.reader.getTrace(CHECKOUT).length
      ? true
      : undefined,
  );
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function clean(w: WatchedPage): void {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
}

const ticks = (page: Page) => page.locator('#waterfall .wf-tick').allTextContents();

describe('waterfall in Chromium', () => {
  it('draws the critical path as segments of the bars, summing to the path the analysis reports', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    const analysis = await (await fetch(`${server.uiUrl}/api/traces/${CHECKOUT}/analysis`)).json();
    const path = analysis.criticalPath as Array<{ spanId: string; ms: number }>;
    const onSpans = path.filter((p) => p.spanId !== '');
    const pathMs = onSpans.reduce((t, p) => t + p.ms, 0);
    const segs = await page.locator('#waterfall .wf-cp').evaluateAll((els) =>
      els.map((el) => ({ span: el.closest('.wf-row')!.getAttribute('data-span')!, ms: Number(el.getAttribute('data-ms')), width: el.getBoundingClientRect().width })),
    );
    expect(segs.length).toBeGreaterThan(0);
    // This small trace draws every stretch: none is too narrow to see.
    expect(await page.locator('#waterfall [data-cp-rest-ms]').count()).toBe(0);
    // Every span on the path has its segments, and only those spans do.
    expect(new Set(segs.map((s) => s.span))).toEqual(new Set(onSpans.map((p) => p.spanId)));
    expect(segs.reduce((t, s) => t + s.ms, 0)).toBeCloseTo(pathMs, 6);
    for (const p of onSpans) {
      const mine = segs.filter((s) => s.span === p.spanId).reduce((t, s) => t + s.ms, 0);
      expect(mine, p.spanId).toBeCloseTo(onSpans.filter((q) => q.spanId === p.spanId).reduce((t, q) => t + q.ms, 0), 6);
    }
    // Drawn, not only present: the payments call (48 ms of 240) is a visible band.
    expect(Math.max(...segs.filter((s) => s.span === sid(32)).map((s) => s.width))).toBeGreaterThan(20);
    // The legend and the one-sentence explanation come before the rows.
    expect(await page.locator('.wf-legend').textContent()).toContain('critical path');
    expect(await page.locator('.wf-explain').textContent()).toMatch(/critical path.*waited on/);
    clean(w);
    await w.context.close();
  });

  for (const [label, trace, count, errSpan] of [
    ['2,026', MID, 2026, MID_ERR],
    ['10,000', HUGE, 10_000, HUGE_ERR],
  ] as const) {
    it(`shows a ${label}-span trace's top-level shape in the first view, and e reaches a deep error not loaded`, async () => {
      const w = await watchedPage(browser, server.uiUrl);
      const { page } = w;
      await page.goto(`${server.uiUrl}/trace/${trace}`);
      // The root's 50 children (span 2…51) are all rows; each is open or summarised on its row.
      const steps = await page.locator('#waterfall [data-span]').evaluateAll((els, ids) => {
        const wanted = new Set(ids as string[]);
        return els
          .filter((el) => wanted.has(el.getAttribute('data-span')!))
          .map((el) => ({
            visible: el.getClientRects().length > 0,
            open: el.tagName === 'SUMMARY' && (el.parentElement as HTMLDetailsElement).open,
            text: el.querySelector('.wf-dur')!.textContent!,
          }));
      }, Array.from({ length: 50 }, (_, i) => sid(i + 2)));
      expect(steps).toHaveLength(50);
      for (const s of steps) {
        expect(s.visible).toBe(true);
        if (!s.open) expect(s.text).toMatch(/\d spans? below/);
      }
      // Bounded DOM: the row budget holds for 10,000 spans too.
      expect(await page.locator('#waterfall .wf-row').count()).toBeLessThanOrEqual(400);
      expect(await page.locator(`#span-${sid(errSpan)}`).count()).toBe(0);
      await page.keyboard.press('e');
      await expect.poll(() => page.locator('#waterfall .wf-row.cursor').getAttribute('data-span')).toBe(sid(errSpan));
      expect(await page.locator(`#span-${sid(errSpan)}`).isVisible()).toBe(true);
      if (count === 2026) await screenshot(page, 'waterfall-2026');
      clean(w);
      await w.context.close();
    });
  }

  it('expand all opens the closed subtrees and loads their rows as they come into view', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${MID}`);
    const rows = () => page.locator('#waterfall .wf-row').count();
    const first = await rows();
    // A grandchild of the root (under step 0) is not in the first view.
    const grandchild = page.locator(`#span-${sid(52)}`);
    expect(await grandchild.count()).toBe(0);
    await page.locator('#wf-expand').click();
    await expect.poll(() => grandchild.count()).toBe(1);
    expect(await grandchild.isVisible()).toBe(true);
    expect(await rows()).toBeGreaterThan(first);
    // The last step's rows load once it scrolls into view, opened too.
    await page.locator(`#span-${sid(51)}`).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator(`#span-${sid(51)} ~ .wf-children .wf-row`).count()).toBeGreaterThan(0);
    clean(w);
    await w.context.close();
  });

  it('zooms on a time range dragged on the minimap: bars and ticks follow, and reset restores them', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    const before = await ticks(page);
    expect(before[0]).toBe('0 ms');
    const box = (await page.locator('#waterfall .wf-mini').boundingBox())!;
    // Drag over the second half of the trace (120 ms to 240 ms).
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.url()).toMatch(/from=\d/);
    const after = await ticks(page);
    expect(after).not.toEqual(before);
    const first = Number.parseFloat(after[0]);
    expect(first).toBeGreaterThanOrEqual(115);
    expect(await page.locator('#waterfall .wf-window').textContent()).toMatch(/^1[12]\d(\.\d+)? ms – 2[34]\d(\.\d+)? ms of 240 ms$/);
    // The payments call (178–230 ms) now spans most of the window; before, about a fifth of the axis.
    const track = (await page.locator(`#span-${sid(31)} .wf-track`).boundingBox())!;
    const bar = (await page.locator(`#span-${sid(31)} .wf-bar`).boundingBox())!;
    expect(bar.width / track.width).toBeGreaterThan(0.35);
    // A row far left of the window is drawn dimmed at the edge.
    expect(await page.locator(`#span-${sid(20)}`).getAttribute('class')).toContain('out');
    await page.locator('[data-zoom-reset]').click();
    await expect.poll(() => ticks(page)).toEqual(before);
    await expect.poll(() => page.url()).not.toContain('from=');
    clean(w);
    await w.context.close();
  });

  it('keyboard: the skip link is the first Tab stop, each row one stop, Esc closes the details', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the waterfall');
    await page.keyboard.press('Enter');
    const focusedSpan = () => page.evaluate(() => document.activeElement?.closest('.wf-row')?.getAttribute('data-span') ?? null);
    await page.keyboard.press('Tab');
    expect(await focusedSpan()).toBe(sid(1));
    // Parent rows (a <summary>) and leaf rows alike: one Tab each.
    await page.keyboard.press('Tab');
    expect(await focusedSpan()).toBe(sid(2));
    await page.keyboard.press('Tab');
    expect(await focusedSpan()).toBe(sid(3));
    // Arrows close and open the focused row's subtree.
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator(`#span-${sid(10)}`).isVisible()).toBe(false);
    await page.keyboard.press('ArrowRight');
    expect(await page.locator(`#span-${sid(10)}`).isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#span-details .details-name').textContent()).toBe('POST /api/checkout');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#span-details .details-head').count()).toBe(0);
    expect(page.url()).not.toContain('span=');
    expect(await focusedSpan()).toBe(sid(3));
    clean(w);
    await w.context.close();
  });

  it('without JavaScript: a span opens at its row, a finding highlights its spans, zoom is links', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.uiUrl}/trace/${HUGE}`);
    // A row far down the page: its link reloads the page with the span open and the row in view.
    const link = page.locator(`#span-${sid(51)} .wf-name`);
    expect(await link.getAttribute('href')).toBe(`/trace/${HUGE}?span=${sid(51)}#span-${sid(51)}`);
    await link.click();
    await page.waitForURL(/span=/);
    expect(await page.locator('#span-details .details-name').textContent()).toBe('step 49');
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
    const inView = await page.locator(`#span-${sid(51)}`).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(inView).toBe(true);

    // The repeated-calls finding: its link highlights the four inventory calls and their parent.
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}`);
    const finding = page.locator('.analysis .finding a').first();
    expect(await finding.getAttribute('href')).toMatch(/&mark=[0-9a-f,]+#span-/);
    await finding.click();
    await page.waitForURL(/mark=/);
    const marked = await page.locator('#waterfall .wf-row.marked').evaluateAll((els) => els.map((e) => e.getAttribute('data-span')));
    expect(marked).toEqual(expect.arrayContaining([sid(3), sid(10), sid(11), sid(12), sid(13)]));
    expect(await page.locator(`#span-${sid(10)}`).evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');

    // Zoom without JavaScript: the minimap's quarters are links; reset is a link.
    await page.locator('#waterfall .wf-mini-q').nth(3).click();
    await page.waitForURL(/from=180&to=240/);
    expect((await ticks(page))[0]).toBe('180 ms');
    await page.locator('[data-zoom-reset]').click();
    await page.waitForURL((u) => !u.search.includes('from='));
    await context.close();
  });

  it('keeps the analysis readable without a scroll box of its own at 1280×800', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/trace/${CHECKOUT}?span=${sid(32)}`);
    const boxes = await page.locator('.analysis').evaluate((el) => {
      const out: string[] = [];
      for (let e: Element | null = el; e && e !== document.documentElement; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (/(auto|scroll|hidden)/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 1) out.push(e.className);
      }
      return out;
    });
    expect(boxes).toEqual([]);
    // Scrolling the page brings its last section fully into view.
    await page.locator('.analysis h2').last().scrollIntoViewIfNeeded();
    const last = (await page.locator('.analysis h2').last().boundingBox())!;
    expect(last.y).toBeGreaterThanOrEqual(0);
    expect(last.y + last.height).toBeLessThanOrEqual(800);
    clean(w);
    await w.context.close();
  });

  it('screenshots the trace page at 1280 and 390 px, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const w = await watchedPage(browser, server.uiUrl, { colorScheme, viewport: { width, height: 800 } });
        await w.page.goto(`${server.uiUrl}/trace/${CHECKOUT}?span=${sid(32)}`);
        await screenshot(w.page, `waterfall-${width}-${colorScheme}`);
        clean(w);
        await w.context.close();
      }
    }
  });
});
