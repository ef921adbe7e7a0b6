import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Stored XSS in real Chromium: spans whose service, span, scope, event and status-message names and attribute
 * keys and values carry script payloads, opened on every page that shows them. The contexts bypass the CSP, so
 * what is tested is the escaping itself (the CSP is a second wall, tested in test/security/hosts-headers.test.ts):
 * no payload runs (`window.__xss`, no dialog), none became an element or an attribute, no `javascript:` URL is
 * a link, and the payload's text is on the page as text.
 */
const SCRIPT = '<script>window.__xss=1;alert(1)</script>';
const IMG = '"><img src=x onerror="window.__xss=1;alert(2)">';
const SVG = "'><svg onload=window.__xss=1>";
const JS_URL = 'javascript:window.__xss=1;alert(3)';

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
const MS = 1_000_000n;

/** Two traces of the same shape (for /compare), every name a payload. */
function payloadTraces(now: number, ids: string[]): string {
  const start = BigInt(now - 120_000) * MS;
  const spans = (traceId: string, n: number) => [
    {
      traceId, spanId: `a${n}00000000000001`, parentSpanId: '', name: `GET ${SCRIPT}`, kind: 2,
      startTimeUnixNano: String(start), endTimeUnixNano: String(start + 80n * MS),
      attributes: [kv('http.route', `/r${IMG}`), kv('url.full', JS_URL), kv('http.url', JS_URL), kv(`key${SCRIPT}`, `value${SVG}`), kv('link', JS_URL)],
      events: [{ timeUnixNano: String(start + 5n * MS), name: `event${IMG}`, attributes: [kv('exception.message', SCRIPT), kv('exception.stacktrace', IMG)] }],
      links: [{ traceId: ids[1 - n], spanId: `a${1 - n}00000000000001`, attributes: [kv(`link${SCRIPT}`, JS_URL)] }],
      status: { code: 2, message: `failed ${IMG}` },
    },
    {
      traceId, spanId: `a${n}00000000000002`, parentSpanId: `a${n}00000000000001`, name: `SELECT ${SVG}`, kind: 3,
      startTimeUnixNano: String(start + 10n * MS), endTimeUnixNano: String(start + 60n * MS),
      attributes: [kv('db.system', 'postgresql'), kv('db.statement', `SELECT '${SCRIPT}'`), kv('peer.service', `db${SCRIPT}`), kv('server.address', `host${IMG}`)],
      status: { code: 2, message: SCRIPT },
    },
  ];
  return JSON.stringify({
    resourceSpans: ids.flatMap((traceId, n) => [
      {
        resource: { attributes: [kv('service.name', `web${SCRIPT}`), kv('deployment.environment', IMG)] },
        scopeSpans: [{ scope: { name: `scope${SCRIPT}`, version: IMG }, spans: [spans(traceId, n)[0]] }],
      },
      {
        resource: { attributes: [kv('service.name', `db${IMG}`)] },
        scopeSpans: [{ scope: { name: `scope${SVG}` }, spans: [spans(traceId, n)[1]] }],
      },
    ]),
  });
}

const A = 'abcdef0123456789abcdef0123456789';
const B = 'bbcdef0123456789abcdef0123456789';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
const dialogs: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payloadTraces(Date.now(), [A, B]) });
  expect(res.status).toBe(200);
  expect(server.reader.getTrace(A)).toHaveLength(2);
  browser = await launchBrowser();
  context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); }));
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** What an escaped page looks like: nothing ran, no element or handler came from the data, no javascript: link. */
async function expectInert(page: Page, where: string): Promise<void> {
  // Let deferred scripts, htmx loads and image errors happen.
  await page.waitForLoadState('networkidle');
  const found = await page.evaluate(() => {
    const w = window as unknown as { __xss?: unknown };
    const handlers: string[] = [];
    for (const el of Array.from(document.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) if (/^on/i.test(a.name)) handlers.push(`${el.tagName} ${a.name}`);
    }
    const jsUrls = Array.from(document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]'))
      .flatMap((el) => ['href', 'src', 'action', 'formaction', 'xlink:href'].map((n) => el.getAttribute(n) ?? ''))
      .filter((v) => /^\s*javascript:/i.test(v));
    return {
      xss: w.__xss,
      handlers,
      jsUrls,
      inlineScripts: document.querySelectorAll('script:not([src])').length,
      injected: document.querySelectorAll('img[src="x"], svg[onload], script[src="x"]').length,
    };
  });
  expect(found, where).toEqual({ xss: undefined, handlers: [], jsUrls: [], inlineScripts: 0, injected: 0 });
  expect(dialogs, where).toEqual([]);
}

async function visit(path: string): Promise<Page> {
  const page = await context.newPage();
  const res = await page.goto(`${server.uiUrl}${path}`);
  expect(res?.status(), path).toBe(200);
  return page;
}

const enc = encodeURIComponent;

describe('stored script payloads in Chromium (CSP bypassed: the escaping alone)', () => {
  it.each([
    ['search', '/'],
    ['search by the payload service', `/?service=${enc(`web${SCRIPT}`)}`],
    ['search by the payload operation', `/?service=${enc(`web${SCRIPT}`)}&operation=${enc(`GET ${SCRIPT}`)}`],
    ['trace', `/trace/${A}`],
    ['trace flame graph', `/trace/${A}/flame`],
    ['trace statistics', `/trace/${A}/stats`],
    ['trace links', `/trace/${A}/links`],
    ['span details', `/trace/${A}/span/a000000000000001`],
    ['span details of the child', `/trace/${A}/span/a000000000000002`],
    ['services', '/services'],
    ['service map', '/map'],
    ['compare', `/compare?a=${A}&b=${B}`],
    ['sampling simulate', '/sampling/simulate'],
  ])('%s: nothing runs, and the payload is shown as text', async (name, path) => {
    const page = await visit(path);
    await expectInert(page, name);
    if (!['service map', 'sampling simulate', 'compare', 'trace flame graph', 'trace statistics', 'trace links'].includes(name)) {
      expect(await page.locator('body').innerText(), name).toMatch(/<script>window\.__xss|<img src=x|<svg onload/);
    }
    await page.close();
  });

  it('the trace page after clicking through its rows and tabs (htmx swaps the same escaped partials)', async () => {
    const page = await visit(`/trace/${A}`);
    const rows = page.locator('a[href*="/span/"]');
    for (let i = 0; i < Math.min(await rows.count(), 2); i++) {
      await rows.nth(i).click();
      await expectInert(page, `row ${i}`);
    }
    for (const tab of ['Flame graph', 'Statistics', 'Links']) {
      const link = page.getByRole('link', { name: tab, exact: false }).first();
      if ((await link.count()) === 0) continue;
      await link.click();
      await expectInert(page, tab);
    }
    await page.close();
  });

  it('the import result of a file full of payloads', async () => {
    const page = await visit('/import');
    const C = 'cbcdef0123456789abcdef0123456789';
    await page.getByLabel('Trace file').setInputFiles({ name: `t${SCRIPT}.json`, mimeType: 'application/json', buffer: Buffer.from(payloadTraces(Date.now(), [C, A])) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').waitFor();
    await expectInert(page, 'import result');
    expect(await page.getByRole('status').innerText()).toContain('Imported');
    await page.close();
  });
});

describe('the same pages with the CSP on', () => {
  it('a page still works and Chromium reports no CSP violation (so the policy does not need unsafe-inline)', async () => {
    const plain = await browser.newContext();
    try {
      const page = await plain.newPage();
      const violations: string[] = [];
      page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
      await page.goto(`${server.uiUrl}/trace/${A}`);
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(violations).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
