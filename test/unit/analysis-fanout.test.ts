import { describe, expect, it } from 'vitest';
import { findFanOuts } from '../../src/analysis/fanout.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

const server: SpanSpec = { id: 'srv', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 0, end: 400 };

/** A CLIENT call from `parent` to a peer service, with the given operation. */
function call(id: string, peer: string, start: number, end: number, attrs: SpanSpec['attrs'] = {}, parent = 'srv'): SpanSpec {
  return { id, parent, service: 'checkout', name: 'GET', kind: 'client', start, end, attrs: { 'peer.service': peer, ...attrs } };
}

const find = (...specs: SpanSpec[]) => findFanOuts(buildTree(spans(...specs)));

describe('findFanOuts', () => {
  it('finds 5 calls to 5 services one after another: 200 ms to save', () => {
    const targets = ['inventory', 'pricing', 'tax', 'shipping', 'reviews'];
    const [f, ...rest] = find(server, ...targets.map((t, i) => call(`c${i}`, t, 10 + 50 * i, 60 + 50 * i)));
    expect(rest).toEqual([]);
    expect(f).toEqual({
      spanId: 'srv',
      service: 'checkout',
      name: 'POST /checkout',
      calls: 5,
      sequentialCalls: 5,
      parallelCalls: 0,
      targets,
      couldSaveMs: 200,
      repeated: [],
      message:
        'checkout made 5 calls to inventory, pricing, tax and 2 more one after another (250 ms); ' +
        'run in parallel they would take 50 ms, saving 200 ms.',
    });
  });

  it('says it in one sentence for 5 different calls to one service', () => {
    const calls = [0, 1, 2, 3, 4].map((i) => call(`c${i}`, 'inventory', 50 * i, 50 * i + 50, { 'url.full': `http://inventory/items/${i}` }));
    const [f] = find(server, ...calls);
    expect(f.targets).toEqual(['inventory']);
    expect(f.message).toBe(
      'checkout called inventory 5 times one after another (250 ms); run in parallel they would take 50 ms, saving 200 ms.',
    );
  });

  it('finds nothing to save when the calls already run in parallel', () => {
    const targets = ['inventory', 'pricing', 'tax', 'shipping', 'reviews'];
    const [f] = find(server, ...targets.map((t, i) => call(`c${i}`, t, 10, 60 - i)));
    expect(f).toMatchObject({ calls: 5, sequentialCalls: 0, parallelCalls: 5, couldSaveMs: 0, repeated: [] });
    expect(f.message).toBe('checkout made 5 calls to inventory, pricing, tax and 2 more in parallel (50 ms).');
  });

  it('counts a mixed pattern: a chain of three with one call beside it', () => {
    const [f] = find(
      server,
      call('a', 'inventory', 0, 50),
      call('b', 'pricing', 50, 100),
      call('c', 'tax', 50, 80),
      call('d', 'shipping', 100, 150),
    );
    expect(f).toMatchObject({ calls: 4, sequentialCalls: 3, parallelCalls: 1, couldSaveMs: 100 });
    expect(f.targets).toEqual(['inventory', 'pricing', 'tax', 'shipping']);
    expect(f.message).toMatch(/^checkout made 4 calls to inventory, pricing, tax and 1 more, 3 one after another and 1 in parallel \(150 ms\); run in parallel they would take 50 ms, saving 100 ms\.$/);
  });

  it('counts the first call as parallel when the second overlaps it', () => {
    const [f] = find(server, call('a', 'inventory', 0, 50), call('b', 'pricing', 40, 90));
    expect(f).toMatchObject({ sequentialCalls: 0, parallelCalls: 2, couldSaveMs: 40 });
  });

  it('spots N+1 queries: identical calls stay sequential, so only batching helps', () => {
    const sql = 'SELECT * FROM items WHERE id = $1';
    const db = (i: number, statement: string, start: number, end: number): SpanSpec => ({
      id: `q${i}`, parent: 'srv', service: 'checkout', name: 'SELECT items', kind: 'client', start, end,
      attrs: { 'db.system.name': 'postgresql', 'server.address': 'db', 'server.port': 5432, 'db.query.text': statement },
    });
    const queries = Array.from({ length: 10 }, (_, i) => db(i, sql, 10 + 5 * i, 15 + 5 * i));
    const [f] = find(server, ...queries, db(10, 'SELECT * FROM carts WHERE id = $1', 60, 65));
    expect(f).toMatchObject({ calls: 11, sequentialCalls: 11, targets: ['db:5432'] });
    expect(f.repeated).toEqual([{ target: 'db:5432', operation: sql, count: 10 }]);
    // Ten identical queries take 50 ms however they are scheduled; only the carts query could overlap them.
    expect(f.couldSaveMs).toBeCloseTo(5);
    expect(f.message).toBe(
      'checkout called db:5432 11 times one after another (55 ms); run in parallel they would take 50 ms, saving 5 ms; ' +
        '10 of them are the same call to db:5432 (SELECT * FROM items WHERE id = $1), which one batched call could replace.',
    );
  });

  it('falls back to children in other services when the client spans are missing', () => {
    const [f] = find(
      { id: 'job', service: 'worker', name: 'nightly', start: 0, end: 100 },
      { id: 'a', parent: 'job', service: 'inventory', name: 'GET /items', kind: 'server', start: 0, end: 40 },
      { id: 'b', parent: 'job', service: 'billing', name: 'POST /run', kind: 'server', start: 40, end: 100 },
      { id: 'local', parent: 'job', service: 'worker', name: 'sort', start: 10, end: 20 },
    );
    expect(f).toMatchObject({ spanId: 'job', calls: 2, sequentialCalls: 2, targets: ['inventory', 'billing'], couldSaveMs: 40 });
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

  it('names the callee from the answering service when the call has no target attributes', () => {
    const [f] = find(
      server,
      { id: 'a', parent: 'srv', service: 'checkout', name: 'GET', kind: 'client', start: 0, end: 50 },
      { id: 'as', parent: 'a', service: 'inventory', kind: 'server', start: 1, end: 49 },
      { id: 'b', parent: 'srv', service: 'checkout', name: 'publish', kind: 'producer', start: 50, end: 60 },
    );
    expect(f.targets).toEqual(['inventory', 'publish']);
  });

  it('sorts findings by what they could save', () => {
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

  it('finds nothing in an empty trace', () => {
    expect(findFanOuts(buildTree([]))).toEqual([]);
  });
});

describe('calls measured by the real SDK', () => {
  it('counts calls that overlap by less than a millisecond as sequential', () => {
    // Back-to-back calls whose clocks overlap by 0.4 ms, as the Node SDK records them.
    const t = buildTree(spans(
      { id: 'co', service: 'checkout', kind: 'server', start: 0, end: 200 },
      { id: 'a', parent: 'co', service: 'checkout', kind: 'client', start: 0, end: 50.4, attrs: { 'service.peer.name': 'inventory', 'url.full': 'http://inventory/items/1' } },
      { id: 'b', parent: 'co', service: 'checkout', kind: 'client', start: 50, end: 100.4, attrs: { 'service.peer.name': 'inventory', 'url.full': 'http://inventory/items/2' } },
      { id: 'c', parent: 'co', service: 'checkout', kind: 'client', start: 100, end: 150, attrs: { 'service.peer.name': 'pricing', 'url.full': 'http://pricing/quote' } },
    ));
    const [f] = findFanOuts(t);
    expect(f.sequentialCalls).toBe(3);
    expect(f.parallelCalls).toBe(0);
  });
});

describe('naming the targets', () => {
  it('names a call by the service that answered it rather than its address', () => {
    const t = buildTree(spans(
      { id: 'co', service: 'checkout', kind: 'server', start: 0, end: 100 },
      { id: 'a', parent: 'co', service: 'checkout', kind: 'client', start: 0, end: 40, attrs: { 'server.address': '127.0.0.1', 'server.port': 44605 } },
      { id: 'a-s', parent: 'a', service: 'inventory', kind: 'server', start: 1, end: 39 },
      { id: 'b', parent: 'co', service: 'checkout', kind: 'client', start: 50, end: 90, attrs: { 'server.address': '127.0.0.1', 'server.port': 36617 } },
    ));
    const [f] = findFanOuts(t);
    // The answered call is named by its service; the unanswered one can only be named by its address.
    expect(f.targets).toEqual(['inventory', '127.0.0.1:36617']);
  });
});
