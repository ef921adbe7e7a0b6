import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MS = 1_000_000n;
const XSS = '<img src=x onerror=alert(1)>';
/** "Now" is a minute after the last trace, so relative times and presets are exact. */
const NOW_MS = Number(T0 / MS) + 60_000;
const HX = { 'hx-request': 'true', 'hx-request-type': 'partial' };

let server: TestServer;
let empty: TestServer;

async function ingest(s: TestServer, body: string): Promise<void> {
  const res = await s.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ listen: false, now: () => NOW_MS });
  empty = await startServer({ listen: false, now: () => NOW_MS });
  for (let i = 0; i < 6; i++) {
    const start = T0 + BigInt(i) * 1000n * MS;
    await ingest(
      server,
      exportRequest({
        web: [{ traceId: tid(i + 1), spanId: sid(100 + i), name: i === 5 ? XSS : `GET /items/${i}`, kind: 2, start, durationNs: BigInt(10 + i * 100) * MS, error: i === 2, attributes: { 'http.route': i % 2 ? '/odd' : '/even' } }],
        db: [{ traceId: tid(i + 1), spanId: sid(200 + i), parentSpanId: sid(100 + i), name: 'SELECT', kind: 3, start: start + MS, durationNs: 5n * MS }],
      }),
    );
  }
});
afterAll(async () => Promise.all([server.close(), empty.close()]));

const get = (url: string, headers: Record<string, string> = {}, s = server) => s.ui.inject({ method: 'GET', url, headers });

describe('GET / (search)', () => {
  it('renders the full page with the form, the scatter plot, the results and the API call', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<html');
    expect(res.body).toContain('id="search-form"');
    expect(res.body).toContain('data-search-focus');
    expect(res.body).toContain('6 traces');
    expect(res.body.match(/<circle class="dot/g)).toHaveLength(6);
    expect(res.body).toContain('class="dot error"');
    // A legend says what colour and outline mean: colour is never the only signal.
    expect(res.body).toMatch(/<figcaption class="scatter-legend[^"]*">[\s\S]*Root service[\s\S]*class="svc"[\s\S]*dashed outline: has errors/);
    expect(res.body).toContain(`href="/trace/${tid(1)}"`);
    expect(res.body).toContain('GET /api/traces');
    expect(res.body).toContain('<option value="web">web</option>');
  });

  it('gives htmx the results region alone', async () => {
    const res = await get('/?service=web', HX);
    expect(res.statusCode).toBe(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).not.toContain('<html');
    expect(res.body).not.toContain('id="search-form"');
    expect(res.body).toContain('class="data traces"');
    expect(res.body).toContain('/api/traces?service=web');
  });

  it('escapes a hostile span name everywhere it appears', async () => {
    const res = await get('/');
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes attribute values echoed back into the form and the API line', async () => {
    const res = await get(`/?attr=${encodeURIComponent(`k="><script>alert(1)</script>`)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('value="k=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('filters with the same parameters as the API, presets resolved against now', async () => {
    const slow = await get('/?minDuration=250ms', HX);
    expect(slow.body).toContain('3 traces');
    const attr = await get('/?attr=http.route%3D%2Fodd', HX);
    expect(attr.body).toContain('3 traces');
    const lastMinute = await get('/?range=5m', HX);
    expect(lastMinute.body).toContain('6 traces');
    expect(lastMinute.body).toContain(`start=${NOW_MS - 300_000}`);
    const errors = await get('/?error=true', HX);
    expect(errors.body).toContain('1 trace<');
  });

  it('shows a bad value inline with status 400, as a page and as a fragment', async () => {
    const page = await get('/?minDuration=fast');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('id="search-form"');
    expect(page.body).toContain('minDuration must be a duration');
    expect(page.body).toMatch(/id="minDuration"[^>]*aria-invalid="true"/);
    const fragment = await get('/?minDuration=fast', HX);
    expect(fragment.statusCode).toBe(400);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain('error-box');
  });

  it('sorts the page and pages through all matches with the cursor', async () => {
    const slowest = await get('/?sort=slowest', HX);
    const order = [...slowest.body.matchAll(/name="trace" value="([0-9a-f]+)"/g)].map((m) => m[1]);
    expect(order[0]).toBe(tid(6));
    const first = await get('/?limit=4', HX);
    expect(first.body).toContain('Older traces');
    const older = /href="(\/\?limit=4&amp;cursor=[^"]+)"/.exec(first.body)![1].replaceAll('&amp;', '&');
    const second = await get(older, HX);
    expect([...second.body.matchAll(/name="trace" value="([0-9a-f]+)"/g)].map((m) => m[1])).toEqual([tid(2), tid(1)]);
    expect(second.body).not.toContain('Older traces');
    expect(second.body).toContain('Newest');
  });

  it('keeps alsoService as hidden inputs with removable chips', async () => {
    const res = await get('/?service=web&alsoService=db');
    expect(res.body).toContain('<input type="hidden" name="alsoService" value="db">');
    expect(res.body).toContain('with service');
    expect(res.body).toContain('href="/?service=web"');
    // Passed to the reader through the API's own parameter parsing.
    expect((await get('/?alsoService=db', HX)).body).toContain('6 traces');
    expect((await get('/?alsoService=nobody', HX)).body).toContain('No traces match');
    expect((await get('/?alsoService=nobody', HX)).body).toContain('alsoService=nobody');
  });
});

describe('empty states', () => {
  it('teaches how to send traces when the store is empty', async () => {
    const res = await get('/', {}, empty);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('tracing.js');
    expect(res.body).toContain('getNodeAutoInstrumentations');
    expect(res.body).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:\d+/);
    expect(res.body).toContain('npx tracelite demo');
    expect(res.body).toContain('hx-trigger="every 5s"');
  });

  it('says briefly that nothing matched when there are traces', async () => {
    const res = await get('/?service=nobody', HX);
    expect(res.body).toContain('No traces match');
    expect(res.body).not.toContain('tracing.js');
  });
});

describe('fragments', () => {
  it('/search/operations lists the operations of a service', async () => {
    const res = await get('/search/operations?service=db', HX);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<select id="operation" name="operation">');
    expect(res.body).toContain('<option value="SELECT">SELECT</option>');
    const web = await get('/search/operations?service=web', HX);
    expect(web.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(web.body).not.toContain(XSS);
  });

  it('/search/new announces traces newer than the newest shown, and nothing otherwise', async () => {
    const none = await get(`/search/new?since=${T0 + 5000n * MS}`, HX);
    expect(none.statusCode).toBe(200);
    expect(none.body.trim()).toBe('');
    const some = await get(`/search/new?service=web&since=${T0 + 2500n * MS}`, HX);
    expect(some.body).toContain('3 new traces — show');
    expect(some.body).toContain('href="/?service=web"');
    expect((await get('/search/new?since=soon', HX)).statusCode).toBe(400);
  });

  it('/search/compare turns two ticked traces into /compare?a=&b=', async () => {
    const res = await get(`/search/compare?trace=${tid(1)}&trace=${tid(2)}`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/compare?a=${tid(1)}&b=${tid(2)}`);
    const one = await get(`/search/compare?trace=${tid(1)}`);
    expect(one.statusCode).toBe(400);
    expect(one.body).toContain('Select exactly two traces');
  });
});
