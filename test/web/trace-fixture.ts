/** OTLP/JSON traces for the trace page tests: a checkout with fan-out, an error with a stack, a link, an XSS name. */

export const T0 = 1_700_000_000_000_000_000n;
export const XSS = '<img src=x onerror=alert(1)>';
export const tid = (n: number) => n.toString(16).padStart(32, '0');
export const sid = (n: number) => n.toString(16).padStart(16, '0');

export const CHECKOUT = tid(0xc0ffee);
export const LINKED = tid(0xbeef);
export const DEEP = tid(0xdee9);

interface S {
  id: number;
  parent?: number;
  name: string;
  kind?: number;
  start: number;
  end: number;
  error?: string;
  attrs?: Record<string, string | number>;
  events?: unknown[];
  links?: unknown[];
}

const ms = (n: number) => String(T0 + BigInt(Math.round(n * 1e6)));
const kv = (a: Record<string, string | number>) =>
  Object.entries(a).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: String(v) } }));

function otlpSpan(trace: string, s: S) {
  return {
    traceId: trace,
    spanId: sid(s.id),
    parentSpanId: s.parent ? sid(s.parent) : '',
    name: s.name,
    kind: s.kind ?? 1,
    startTimeUnixNano: ms(s.start),
    endTimeUnixNano: ms(s.end),
    attributes: kv(s.attrs ?? {}),
    events: s.events ?? [],
    links: s.links ?? [],
    status: s.error ? { code: 2, message: s.error } : {},
  };
}

export function request(trace: string, byService: Record<string, S[]>): string {
  return JSON.stringify({
    resourceSpans: Object.entries(byService).map(([service, spans]) => ({
      resource: { attributes: kv({ 'service.name': service, 'host.name': 'dev-box' }) },
      scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' }, spans: spans.map((s) => otlpSpan(trace, s)) }],
    })),
  });
}

const STACK = 'Error: card declined <script>alert(2)</script>\n    at charge (/srv/payments/charge.js:42:11)\n    at async handler (/srv/payments/server.js:17:5)';

/** frontend → checkout → 4 sequential inventory calls, a failing payments call, a DB query; plus a linked trace. */
export function checkoutTrace(): string {
  const inventory: S[] = [];
  const checkout: S[] = [
    { id: 3, parent: 2, name: 'POST /api/checkout', kind: 2, start: 8, end: 232, error: 'payment failed', attrs: { 'http.response.status_code': 502 } },
  ];
  for (let i = 0; i < 4; i++) {
    const start = 12 + i * 36;
    checkout.push({ id: 10 + i, parent: 3, name: 'GET', kind: 3, start, end: start + 32, attrs: { 'http.request.method': 'GET', 'server.address': 'inventory', 'url.full': `http://inventory/items/${i}` } });
    inventory.push({ id: 20 + i, parent: 10 + i, name: 'GET /items/:id', kind: 2, start: start + 1, end: start + 31, attrs: { 'http.route': '/items/:id' } });
  }
  checkout.push(
    { id: 30, parent: 3, name: 'SELECT orders', kind: 3, start: 160, end: 176, attrs: { 'db.system': 'postgresql', 'server.address': 'orders-db', 'db.statement': 'SELECT * FROM orders WHERE id = $1' } },
    { id: 31, parent: 3, name: 'POST', kind: 3, start: 178, end: 230, error: 'HTTP 500', attrs: { 'http.response.status_code': 500, 'server.address': 'payments' } },
    { id: 40, parent: 3, name: XSS, start: 9, end: 11, attrs: { [XSS]: `<b onmouseover=alert(3)>v</b>` } },
  );
  return request(CHECKOUT, {
    frontend: [
      { id: 1, name: 'GET /checkout', kind: 2, start: 0, end: 240, error: 'upstream failed', attrs: { 'http.response.status_code': 502, 'http.route': '/checkout' } },
      { id: 2, parent: 1, name: 'POST', kind: 3, start: 4, end: 236, error: 'HTTP 502', attrs: { 'http.response.status_code': 502, 'server.address': 'checkout' },
        links: [{ traceId: LINKED, spanId: sid(0x51), attributes: kv({ reason: 'retry of' }) }] },
    ],
    checkout,
    inventory,
    payments: [
      { id: 32, parent: 31, name: 'POST /charge', kind: 2, start: 180, end: 228, error: 'card declined', attrs: { 'http.response.status_code': 500, 'http.route': '/charge' },
        events: [{ name: 'exception', timeUnixNano: ms(227), attributes: kv({ 'exception.type': 'CardDeclinedError', 'exception.message': 'card declined', 'exception.stacktrace': STACK }) }] },
    ],
  });
}

export function linkedTrace(): string {
  return request(LINKED, {
    frontend: [{ id: 0x50, name: 'GET /cart', kind: 2, start: -500, end: -420 }],
    cart: [{ id: 0x51, parent: 0x50, name: 'load cart', start: -490, end: -430 }],
  });
}

/** A chain 20 spans deep: the waterfall opens the first levels and loads the rest when expanded. */
export function deepTrace(depth = 20): string {
  const spans: S[] = [];
  for (let i = 1; i <= depth; i++) spans.push({ id: i, parent: i > 1 ? i - 1 : undefined, name: `level ${i}`, start: i, end: 400 - i });
  return request(DEEP, { deep: spans });
}

/**
 * `count` spans: a root, 50 children, each with its share of grandchildren and some deeper chains. `errors`:
 * span numbers (2…count) that end with an error.
 */
export function bigTrace(trace: string, count: number, errors: number[] = []): string {
  const spans: S[] = [{ id: 1, name: 'batch job', kind: 2, start: 0, end: 10_000 }];
  let id = 2;
  const mids: number[] = [];
  for (let i = 0; i < 50 && id <= count; i++, id++) {
    mids.push(id);
    spans.push({ id, parent: 1, name: `step ${i}`, start: i * 190, end: i * 190 + 180 });
  }
  for (let j = 0; id <= count; j++, id++) {
    const parent = j % 7 === 0 && id > 60 ? id - 1 : mids[j % mids.length];
    spans.push({ id, parent, name: `query ${j % 13}`, kind: 3, start: (j % 50) * 190 + 1, end: (j % 50) * 190 + 100, attrs: { 'db.system': 'sqlite', n: j } });
  }
  for (const s of spans) if (errors.includes(s.id)) s.error = 'query failed';
  return request(trace, { worker: spans });
}
