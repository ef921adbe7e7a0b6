import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());

describe('web foundation', () => {
  it('serves our CSS, JavaScript and htmx from our own origin', async () => {
    for (const [url, type] of [
      ['/static/app.css', 'text/css'],
      ['/static/app.js', 'javascript'],
      ['/static/vendor/htmx.min.js', 'javascript'],
    ]) {
      const res = await server.ui.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain(type);
    }
    // Only htmx itself is exposed from the htmx package.
    expect((await server.ui.inject({ method: 'GET', url: '/static/vendor/htmx.js' })).statusCode).toBe(404);
  });

  it('answers unknown pages with an HTML 404 under a CSP without inline scripts', async () => {
    const res = await server.ui.inject({ method: 'GET', url: '/no/such/page' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.body).toContain('There is no page at /no/such/page');
    expect(res.body).toContain('<link rel="stylesheet" href="/static/app.css">');
  });

  it('gives htmx a fragment rather than a page', async () => {
    const fragment = await server.ui.inject({
      method: 'GET',
      url: '/missing',
      headers: { 'hx-request': 'true', 'hx-request-type': 'partial' },
    });
    expect(fragment.statusCode).toBe(404);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain('error-box');
    expect(fragment.headers.vary).toMatch(/HX-Request/);
  });

  it('leaves the JSON API its own errors', async () => {
    const res = await server.ui.inject({ method: 'GET', url: '/api/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBeTruthy();
  });
});
