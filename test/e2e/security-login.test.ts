import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchedPage } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** --auth-token's login form in Chromium: redirected to it, a wrong token, then the right one and back. */
const TOKEN = 'correct-horse-battery-staple';
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ authToken: TOKEN });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the login page in Chromium', () => {
  it('sends a page view to /login, refuses a wrong token, and returns to the page with the right one', async () => {
    const w = await watchedPage(browser, server.uiUrl);
    const { page } = w;
    await page.goto(`${server.uiUrl}/services`);
    await page.waitForURL('**/login?next=%2Fservices');
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('not the token');
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/services');
    expect(await page.locator('h1').first().innerText()).toMatch(/Services/i);
    const cookies = await w.context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'tracelite_session', httpOnly: true, sameSite: 'Strict' })]);
    // HttpOnly: the page's own scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(w.dialogs).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
    await w.context.close();
  });

  it.each([
    [1280, 'light'],
    [1280, 'dark'],
    [390, 'light'],
    [390, 'dark'],
  ] as const)('looks right at %i px, %s', async (width, colorScheme) => {
    const w = await watchedPage(browser, server.uiUrl, { colorScheme, viewport: { width, height: 700 } });
    await w.page.goto(`${server.uiUrl}/login?next=%2F`);
    await w.page.getByLabel('Token').fill('wrong-token');
    await w.page.getByRole('button', { name: 'Log in' }).click();
    await w.page.getByRole('alert').waitFor();
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await screenshot(w.page, `login-${width}-${colorScheme}`);
    // The wrong token's answer is a 401 page, which Chromium logs as a failed load; nothing else may fail.
    expect(w.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await w.context.close();
  });
});
