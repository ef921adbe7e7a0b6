import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../helpers/server.js';
import { bigTrace, CHECKOUT, checkoutTrace, LINKED, linkedTrace, sid, tid, XSS } from './trace-fixture.js';

/** The trace's Statistics, Flame graph and Links tabs, and the top bar's open-by-ID box, through inject. */

const BIG = tid(0xb16);
let server: TestServer;

async function post(body: string): Promise<void> {
  const res = await server.otlp.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ listen: false });
  for (const body of [checkoutTrace(), linkedTrace(), bigTrace(BIG, 3000)]) await post(body);
  await eventually(() => (server.reader.getTrace(BIG).length === 3000 && server.reader.getTrace(LINKED).length === 2 ? true : undefined));
}, 60_000);
afterAll(async () => server.close());

const get = (url: string) => server.ui.inject({ method: 'GET', url });
const cells = (row: string) => [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());

describe('trace tabs', () => {
  it('link every view from the trace header, marking the current one', async () => {
    for (const [url, current] of [[`/trace/${CHECKOUT}`, 'Waterfall'], [`/trace/${CHECKOUT}/stats`, 'Statistics'], [`/trace/${CHECKOUT}/flame`, 'Flame graph'], [`/trace/${CHECKOUT}/links`, 'Links']]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      const nav = res.body.match(/<nav class="trace-tabs"[\s\S]*?<\/nav>/)![0];
      for (const path of ['', '/stats', '/flame', '/links']) expect(nav).toContain(`href="/trace/${CHECKOUT}${path}"`);
      expect(nav.match(/aria-current="page">([^<]+)</)![1]).toBe(current);
    }
  });
});

describe('statistics view', () => {
  it('shows the numbers of GET /api/traces/{id}/analysis, whose `statistics` it renders', async () => {
    const api = (await get(`/api/traces/${CHECKOUT}/analysis`)).json();
    const ops = api.statistics.operations as Array<{ service: string; operation: string; count: number; selfMs: number; criticalMs: number; errors: number }>;
    // The API's table is the analysis's own self times and critical path, summed per operation.
    const inventory = ops.find((o) => o.service === 'inventory')!;
    const ids = [20, 21, 22, 23].map(sid);
    expect(inventory).toMatchObject({ operation: 'GET /items/:id', count: 4, errors: 0 });
    expect(inventory.selfMs).toBeCloseTo(ids.reduce((a, id) => a + api.selfTimeMs[id], 0), 9);
    const onPath = (api.criticalPath as Array<{ spanId: string; ms: number }>).filter((p) => ids.includes(p.spanId)).reduce((a, p) => a + p.ms, 0);
    expect(inventory.criticalMs).toBeCloseTo(onPath, 9);
    expect(ops.reduce((a, o) => a + o.count, 0)).toBe(15);

    const page = await get(`/trace/${CHECKOUT}/stats`);
    expect(page.statusCode).toBe(200);
    const table = page.body.split('By service and operation')[1];
    const row = table.match(/<tr>\s*<td class="col-service">[\s\S]*?inventory[\s\S]*?<\/tr>/)![0];
    // service, operation, count, total, avg, min, max, self, critical (ms + share), errors: 4 calls of 30 ms.
    expect(cells(row)).toEqual(['inventory', 'inventory GET /items/:id', '4', '120 ms', '30 ms', '30 ms', '30 ms', '120 ms', '120 ms 50 %', '0']);
    const payments = cells(table.match(/<tr class="has-error">\s*<td class="col-service">[\s\S]*?payments[\s\S]*?<\/tr>/)![0]);
    expect(payments[9]).toBe('! 1');
    // The operation links to its spans in the waterfall; escaped span names stay escaped.
    expect(table).toContain(`href="/trace/${CHECKOUT}?find=GET%20%2Fitems%2F%3Aid"`);
    expect(page.body).not.toContain(XSS);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('sorts server-side by a column link, both ways, and refuses an unknown column', async () => {
    const order = async (q: string) => {
      const body = (await get(`/trace/${CHECKOUT}/stats${q}`)).body.split('By service and operation')[1];
      return [...body.matchAll(/<td class="num col-count">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    };
    const desc = await order('?sort=count&dir=desc');
    expect(desc[0]).toBe(4);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    const asc = await order('?sort=count&dir=asc');
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    const page = await get(`/trace/${CHECKOUT}/stats?sort=count&dir=desc`);
    expect(page.body).toMatch(/aria-sort="descending"[^>]*><a href="\/trace\/0+c0ffee\/stats\?sort=count&amp;dir=asc">Count/);
    expect((await get(`/trace/${CHECKOUT}/stats?sort=bogus`)).statusCode).toBe(400);
    expect((await get(`/trace/${tid(0xdead)}/stats`)).statusCode).toBe(404);
  });
});

describe('flame graph view', () => {
  it('draws a box per span, widths from self time; a box zooms to its subtree', async () => {
    const page = await get(`/trace/${CHECKOUT}/flame`);
    expect(page.statusCode).toBe(200);
    const boxes = [...page.body.matchAll(/<a class="fl-box([^"]*)" style="left: ([\d.]+)%; width: ([\d.]+)%; top: (\d+)px;[^"]*" href="([^"]+)"/g)];
    expect(boxes).toHaveLength(15);
    expect(boxes[0].slice(2, 5)).toEqual(['0.0000', '100.0000', '0']);
    expect(boxes[0][1]).toContain('error');
    expect(page.body).not.toContain(XSS);
    // checkout's server span: zoom into it.
    const checkout = boxes.find((b) => b[5].endsWith(`focus=${sid(3)}`))!;
    expect(Number(checkout[4])).toBe(48);
    const zoomed = await get(checkout[5].replaceAll('&amp;', '&'));
    const zb = [...zoomed.body.matchAll(/<a class="fl-box[^"]*" style="left: ([\d.]+)%; width: ([\d.]+)%; top: (\d+)px;/g)];
    expect(zb.map((b) => [b[1], b[2], b[3]])[0]).toEqual(['0.0000', '100.0000', '0']);
    expect(zb).toHaveLength(13); // checkout and its 12 descendants
    expect(zoomed.body).toMatch(/<nav class="fl-crumbs[\s\S]*href="\/trace\/0+c0ffee\/flame">Whole trace<\/a>[\s\S]*focus=0000000000000001">frontend GET \/checkout<\/a>/);
    expect(zoomed.body).toContain(`href="/trace/${CHECKOUT}?span=${sid(3)}#span-${sid(3)}">show in the waterfall</a>`);
    expect((await get(`/trace/${CHECKOUT}/flame?focus=${sid(999)}`)).statusCode).toBe(404);
    expect((await get(`/trace/${CHECKOUT}/flame?focus=nothex`)).statusCode).toBe(400);
  });

  it('draws a 3,000-span trace as the boxes wide enough to see, and says how many it left out', async () => {
    const page = await get(`/trace/${BIG}/flame`);
    const drawn = page.body.match(/class="fl-box/g)!.length;
    const left = Number(page.body.match(/([\d,]+) spans too narrow to draw here/)![1].replace(/,/g, ''));
    expect(drawn + left).toBe(3000);
    expect(drawn).toBeGreaterThan(50);
    expect(drawn).toBeLessThan(600);
  });
});

describe('links view', () => {
  it('lists each span\'s links, each a jump to the linked span in its trace, and says inbound links are not found', async () => {
    const page = await get(`/trace/${CHECKOUT}/links`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('1 span of this trace links to 1 span in 1 other trace.');
    expect(page.body).toContain(`href="/trace/${CHECKOUT}?span=${sid(2)}#span-${sid(2)}">POST</a>`);
    expect(page.body).toContain(`href="/trace/${LINKED}?span=${sid(0x51)}#span-${sid(0x51)}">trace ${LINKED} · span ${sid(0x51)}</a>`);
    expect(page.body).toContain('reason=retry of');
    expect(page.body).toContain('tracelite does not index span links');
    // The target resolves: the linked trace's page with that span's details open.
    const target = await get(`/trace/${LINKED}?span=${sid(0x51)}`);
    expect(target.statusCode).toBe(200);
    expect(target.body).toContain('load cart');
    const none = await get(`/trace/${LINKED}/links`);
    expect(none.body).toContain('No span of this trace links to another span.');
  });
});

describe('open-by-ID box', () => {
  const open = (id: string) => get(`/open?id=${encodeURIComponent(id)}`);

  it('is in the top bar of every page as a GET form', async () => {
    for (const url of ['/', `/trace/${CHECKOUT}`, '/services']) {
      expect((await get(url)).body).toMatch(/<form class="open-trace" method="get" action="\/open"[\s\S]*?name="id"/);
    }
  });

  it('opens a traceparent, upper case, 16 hex (left-padded as Jaeger does) and a pasted URL', async () => {
    const cases: Array<[string, string]> = [
      ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', '4bf92f3577b34da6a3ce929d0e0e4736'],
      ['  traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ', '4bf92f3577b34da6a3ce929d0e0e4736'],
      [CHECKOUT.toUpperCase(), CHECKOUT],
      ['A3CE929D0E0E4736', '0000000000000000a3ce929d0e0e4736'],
      [`http://localhost:16686/trace/${CHECKOUT}?span=${sid(2)}`, CHECKOUT],
    ];
    for (const [input, id] of cases) {
      const res = await open(input);
      expect(res.statusCode, input).toBe(303);
      expect(res.headers.location).toBe(`/trace/${id}`);
    }
    // And the redirect lands on the trace.
    const landed = await get((await open(CHECKOUT.toUpperCase())).headers.location as string);
    expect(landed.statusCode).toBe(200);
  });

  it('answers garbage with an error page that says what to paste, escaped', async () => {
    for (const input of ['not a trace <script>x</script>', '', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'g'.repeat(32), '1'.repeat(33)]) {
      const res = await open(input);
      expect(res.statusCode, input).toBe(400);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('traceparent');
      expect(res.body).not.toContain('<script>x');
    }
  });
});
