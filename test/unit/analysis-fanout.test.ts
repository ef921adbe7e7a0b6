import { describe, expect, it } from 'vitest';
import { findFanOuts } from '../../src/analysis/fanout.js';
import { buildTree } from '../../src/analysis/tree.js';
import { expressRequest, httpCall, spans, type SpanSpec } from '../fixtures/analysis-spans.js';

const server: SpanSpec = { id: 'srv', service: 'checkout', name: 'GET /checkout', kind: 'server', start: 0, end: 400 };

/** A CLIENT call from `parent` to a peer service, with the given operation. */
function call(id: string, peer: string, start: number, end: number, attrs: SpanSpec['attrs'] = {}, parent = 'srv'): SpanSpec {
  return { id, parent, service: 'checkout', name: 'GET', kind: 'client', start, end, attrs: { 'peer.service': peer, ...attrs } };
}

/** checkout's call to inventory's item `n`, answered by inventory's SERVER span `GET /items/{id}`. */
function item(n: number, start: number, end: number, parent = 'srv'): SpanSpec[] {
  return [
    httpCall({ id: `i${n}`, parent, service: 'checkout', url: `http://127.0.0.1:3003/items/${n}`, start, end, status: 200 }),
    { id: `i${n}-s`, parent: `i${n}`, service: 'inventory', name: 'GET /items/{id}', kind: 'server', start: start + 0.5, end: end - 0.5,
      attrs: { 'http.request.method': 'GET', 'http.route': '/items/{id}', 'http.response.status_code': 200 } },
  ];
}

const find = (...specs: SpanSpec[]) => findFanOuts(buildTree(spans(...specs)));

describe('findFanOuts: repeated calls, then sequential calls to different targets', () => {
  it('5 sequential identical calls and 2 to other targets: both findings, the repeated one first', () => {
    const found = find(
      server,
      ...[0, 1, 2, 3, 4].flatMap((i) => item(i + 1, 30 * i, 30 * i + 30)),
      call('price', 'pricing-api', 150, 350, { 'url.full': 'http://127.0.0.1:3004/quote?items=5' }),
      ...[httpCall({ id: 'pay', parent: 'srv', service: 'checkout', method: 'POST', url: 'http://127.0.0.1:3005/charge', start: 350, end: 370, status: 200 }),
        { id: 'pay-s', parent: 'pay', service: 'payments', name: 'POST /charge', kind: 'server' as const, start: 351, end: 369 }],
    );
    expect(found).toEqual([
      {
        kind: 'repeated',
        spanId: 'srv',
        service: 'checkout',
        name: 'GET /checkout',
        calls: 5,
        callSpanIds: ['i1', 'i2', 'i3', 'i4', 'i5'],
        targets: ['inventory'],
        target: 'inventory',
        operation: 'GET /items/{id}',
        rounds: 5,
        wallMs: 150,
        couldSaveMs: 120,
        message: 'checkout made 5 sequential GET /items/{id} calls to inventory (150 ms): batch them or run them concurrently to save up to 120 ms.',
      },
      {
        kind: 'sequential',
        spanId: 'srv',
        service: 'checkout',
        name: 'GET /checkout',
        calls: 7,
        callSpanIds: ['i1', 'i2', 'i3', 'i4', 'i5', 'price', 'pay'],
        targets: ['inventory', 'pricing-api', 'payments'],
        rounds: 7,
        wallMs: 370,
        // The slowest target's calls (pricing-api's 200 ms) bound the estimate; inventory's 5 stay in sequence.
        couldSaveMs: 170,
        message:
          'checkout called inventory 5 times, pricing-api and payments, one after another (370 ms): if these calls do not ' +
          'depend on each other, running them concurrently could save up to 170 ms (repeated calls kept in sequence).',
      },
    ]);
  });

  it('5 calls to 5 services one after another: one sequential finding', () => {
    const targets = ['inventory', 'pricing', 'tax', 'shipping', 'reviews'];
    const found = find(server, ...targets.map((t, i) => call(`c${i}`, t, 10 + 50 * i, 60 + 50 * i)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'sequential', calls: 5, rounds: 5, targets, wallMs: 250, couldSaveMs: 200 });
    expect(found[0].message).toBe(
      'checkout called inventory, pricing, tax and 2 more, one after another (250 ms): if these calls do not depend on each ' +
        'other, running them concurrently could save up to 200 ms.',
    );
  });

  it('calls that already run concurrently are no finding at all', () => {
    const targets = ['inventory', 'pricing', 'tax', 'shipping', 'reviews'];
    expect(find(server, ...targets.map((t, i) => call(`c${i}`, t, 10, 60 - i)))).toEqual([]);
    // Overlapping without starting together: still concurrent, nothing to advise.
    expect(find(server, call('a', 'inventory', 0, 50), call('b', 'pricing', 40, 90))).toEqual([]);
    // The same call made 5 times at once: batching might help, but nothing waits on anything.
    expect(find(server, ...[1, 2, 3, 4, 5].flatMap((n) => item(n, 10, 40 + n)))).toEqual([]);
  });

  it('mixed: two calls side by side, then a third: only the sequential part counts', () => {
    const [f, ...rest] = find(
      { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 200 },
      { ...call('co', 'checkout', 0, 100, {}, 'fe'), service: 'frontend' },
      { ...call('leg', 'legacy', 0, 50, {}, 'fe'), service: 'frontend' },
      { ...call('aud', 'audit', 100, 150, {}, 'fe'), service: 'frontend' },
    );
    expect(rest).toEqual([]);
    // 150 ms now; checkout's 100 ms is the floor, whatever runs beside it.
    expect(f).toMatchObject({ kind: 'sequential', rounds: 2, wallMs: 150, couldSaveMs: 50, callSpanIds: ['co', 'leg', 'aud'] });
    expect(f.message).toBe(
      'frontend called checkout and legacy together, then audit (150 ms): if these calls do not depend on each other, ' +
        'running them concurrently could save up to 50 ms.',
    );
  });

  it('mixed: a chain of three with one call beside it', () => {
    const [f] = find(
      server,
      call('a', 'inventory', 0, 50),
      call('b', 'pricing', 50, 100),
      call('c', 'tax', 50, 80),
      call('d', 'shipping', 100, 150),
    );
    expect(f).toMatchObject({ kind: 'sequential', calls: 4, rounds: 3, couldSaveMs: 100 });
    expect(f.message).toBe(
      'checkout called inventory, then pricing and tax together, then shipping (150 ms): if these calls do not depend on ' +
        'each other, running them concurrently could save up to 100 ms.',
    );
  });

  it('says how calls ran when some overlapped: together, at once, then the next round', () => {
    const [f] = find(server, ...item(1, 0, 30), ...item(2, 0, 30), call('tax', 'tax', 30, 60));
    expect(f.message).toMatch(/^checkout called inventory \(2 at once\), then tax \(60 ms\): if these calls/);
  });

  it('repeated calls partly overlapping: counted in rounds, saving down to the longest call', () => {
    const [f, ...rest] = find(server, ...item(1, 0, 30), ...item(2, 0, 30), ...item(3, 30, 60), ...item(4, 30, 50));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'repeated', calls: 4, rounds: 2, wallMs: 60, couldSaveMs: 30 });
    expect(f.message).toBe(
      'checkout made 4 GET /items/{id} calls to inventory in 2 rounds (60 ms): batch them or run them concurrently to save up to 30 ms.',
    );
  });

  it('spots N+1 queries: identical calls stay sequential in the estimate for different targets', () => {
    const sql = 'SELECT * FROM items WHERE id = $1';
    const db = (i: number, statement: string, start: number, end: number): SpanSpec => ({
      id: `q${i}`, parent: 'srv', service: 'checkout', name: 'SELECT items', kind: 'client', start, end,
      attrs: { 'db.system.name': 'postgresql', 'server.address': 'db', 'server.port': 5432, 'db.query.text': statement },
    });
    // The same query, indented differently by whoever built the string: one operation.
    const queries = Array.from({ length: 10 }, (_, i) => db(i, i % 2 ? sql : `SELECT *\n  FROM items\n  WHERE id = $1`, 10 + 5 * i, 15 + 5 * i));
    const found = find(server, ...queries, db(10, 'SELECT * FROM carts WHERE id = $1', 60, 65), call('tax', 'tax', 65, 75));
    expect(found.map((f) => [f.kind, f.calls, f.couldSaveMs])).toEqual([['repeated', 10, 45], ['sequential', 12, 15]]);
    expect(found[0]).toMatchObject({ operation: sql, target: 'db:5432' });
    expect(found[0].message).toBe(
      'checkout made 10 sequential SELECT * FROM items WHERE id = $1 calls to db:5432 (50 ms): batch them or run them ' +
        'concurrently to save up to 45 ms.',
    );
  });

  it('a retry is not a repeated call: no advice to batch it', () => {
    const found = find(
      server,
      httpCall({ id: 'try1', parent: 'srv', service: 'checkout', url: 'http://127.0.0.1:3001/quote', start: 0, end: 50, status: 503 }),
      httpCall({ id: 'try2', parent: 'srv', service: 'checkout', url: 'http://127.0.0.1:3001/quote', start: 50, end: 80, status: 200 }),
    );
    expect(found).toEqual([]);
  });

  it('falls back to children in other services when the client spans are missing', () => {
    const [f] = find(
      { id: 'job', service: 'worker', name: 'nightly', start: 0, end: 100 },
      { id: 'a', parent: 'job', service: 'inventory', name: 'GET /items', kind: 'server', start: 0, end: 40 },
      { id: 'b', parent: 'job', service: 'billing', name: 'POST /run', kind: 'server', start: 40, end: 100 },
      { id: 'local', parent: 'job', service: 'worker', name: 'sort', start: 10, end: 20 },
    );
    expect(f).toMatchObject({ kind: 'sequential', spanId: 'job', calls: 2, targets: ['inventory', 'billing'], couldSaveMs: 40 });
  });

  it('ignores single calls, and the callee spans under one CLIENT span', () => {
    const found = find(
      server,
      call('one', 'inventory', 0, 100, { 'url.full': 'http://inventory/items' }),
      { id: 's1', parent: 'one', service: 'inventory', kind: 'server', start: 1, end: 40 },
      { id: 's2', parent: 'one', service: 'inventory', kind: 'server', start: 50, end: 99 },
    );
    expect(found).toEqual([]);
  });

  it('reports calls made from nested INTERNAL spans on those spans, sorted by what they could save', () => {
    const found = find(
      server,
      { id: 'small', parent: 'srv', service: 'checkout', name: 'load', start: 0, end: 100 },
      call('s1', 'a', 0, 10, {}, 'small'),
      call('s2', 'b', 10, 20, {}, 'small'),
      { id: 'big', parent: 'srv', service: 'checkout', name: 'price', start: 100, end: 400 },
      call('b1', 'a', 100, 200, {}, 'big'),
      call('b2', 'b', 200, 300, {}, 'big'),
    );
    expect(found.map((f) => [f.spanId, f.couldSaveMs])).toEqual([['big', 100], ['small', 10]]);
  });

  it('ranks every repeated finding above every sequential one, whatever they save', () => {
    const found = find(
      server,
      ...item(1, 0, 10), ...item(2, 10, 20),
      { id: 'load', parent: 'srv', service: 'checkout', name: 'load', start: 20, end: 400 },
      call('x', 'a', 20, 220, {}, 'load'),
      call('y', 'b', 220, 400, {}, 'load'),
    );
    expect(found.map((f) => [f.kind, f.spanId, f.couldSaveMs])).toEqual([['repeated', 'srv', 10], ['sequential', 'load', 180]]);
  });

  it('finds nothing in an empty trace', () => {
    expect(findFanOuts(buildTree([]))).toEqual([]);
  });
});

describe('on the Express span shape', () => {
  it('finds the calls under the request handler span, named by the routes that answered them', () => {
    const found = find(
      ...expressRequest({ id: 'shop', service: 'shop', route: '/checkout', start: 0, end: 100, status: 200 }),
      ...[1, 2, 3].flatMap((n) => [
        httpCall({ id: `c${n}`, parent: 'shop-h', service: 'shop', url: `http://127.0.0.1:3003/items/${n}`, start: 10 * n, end: 10 * n + 10, status: 200 }),
        ...expressRequest({ id: `inv${n}`, parent: `c${n}`, service: 'inventory', route: '/items/:id', start: 10 * n + 1, end: 10 * n + 9, status: 200 }),
      ]),
    );
    expect(found.map((f) => [f.kind, f.spanId, f.name, f.targets, f.calls])).toEqual([
      ['repeated', 'shop-h', 'request handler - /checkout', ['inventory'], 3],
    ]);
    expect(found[0]).toMatchObject({ operation: 'GET /items/:id', couldSaveMs: 20 });
  });
});

describe('calls measured by the real SDK', () => {
  it('counts calls that overlap by less than a millisecond as sequential', () => {
    // Back-to-back calls whose clocks overlap by 0.4 ms, as the Node SDK records them.
    const [repeated, sequential] = find(
      { id: 'co', service: 'checkout', kind: 'server', start: 0, end: 200 },
      { id: 'a', parent: 'co', service: 'checkout', kind: 'client', start: 0, end: 50.4, attrs: { 'service.peer.name': 'inventory', 'url.full': 'http://inventory/items/1' } },
      { id: 'b', parent: 'co', service: 'checkout', kind: 'client', start: 50, end: 100.4, attrs: { 'service.peer.name': 'inventory', 'url.full': 'http://inventory/items/2' } },
      { id: 'c', parent: 'co', service: 'checkout', kind: 'client', start: 100, end: 150, attrs: { 'service.peer.name': 'pricing', 'url.full': 'http://pricing/quote' } },
    );
    expect(repeated).toMatchObject({ kind: 'repeated', rounds: 2, operation: '/items/{id}' });
    expect(sequential).toMatchObject({ kind: 'sequential', rounds: 3 });
  });
});

describe('naming the targets', () => {
  it('names a call by the service that answered it rather than its address', () => {
    const [f] = find(
      { id: 'co', service: 'checkout', kind: 'server', start: 0, end: 100 },
      { id: 'a', parent: 'co', service: 'checkout', kind: 'client', start: 0, end: 40, attrs: { 'server.address': '127.0.0.1', 'server.port': 44605 } },
      { id: 'a-s', parent: 'a', service: 'inventory', kind: 'server', start: 1, end: 39 },
      { id: 'b', parent: 'co', service: 'checkout', kind: 'client', start: 50, end: 90, attrs: { 'server.address': '127.0.0.1', 'server.port': 36617 } },
    );
    // The answered call is named by its service; the unanswered one can only be named by its address.
    expect(f.targets).toEqual(['inventory', '127.0.0.1:36617']);
  });

  it('names a call without target attributes by the answering service, else by its name', () => {
    const [f] = find(
      server,
      { id: 'a', parent: 'srv', service: 'checkout', name: 'GET', kind: 'client', start: 0, end: 50 },
      { id: 'as', parent: 'a', service: 'inventory', kind: 'server', start: 1, end: 49 },
      { id: 'b', parent: 'srv', service: 'checkout', name: 'publish', kind: 'producer', start: 50, end: 60 },
    );
    expect(f.targets).toEqual(['inventory', 'publish']);
  });
});
