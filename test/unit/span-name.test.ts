import { describe, expect, it } from 'vitest';
import { calleeOf, spanLabel } from '../../src/analysis/span-name.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

/** The label of span `c` in a tree of these spans. */
function labelOf(...specs: SpanSpec[]): string {
  return spanLabel(buildTree(spans(...specs)).nodes.get('c')!);
}

const call = (attrs: SpanSpec['attrs'], extra: Partial<SpanSpec> = {}): SpanSpec =>
  ({ id: 'c', service: 'checkout', name: 'GET', kind: 'client', start: 0, end: 10, attrs, ...extra });
const url = { 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:3009/price?sku=1' };

describe('spanLabel: every span named by what it does', () => {
  it('a call to a named peer: "GET → pricing-api", even when another service answered', () => {
    expect(labelOf(call({ ...url, 'peer.service': 'pricing-api' }))).toBe('GET → pricing-api');
    expect(labelOf(call({ ...url, 'service.peer.name': 'pricing-api' }))).toBe('GET → pricing-api');
    expect(labelOf(call({ ...url, 'peer.service': 'pricing-api' }),
      { id: 's', parent: 'c', service: 'pricing', name: 'GET /price', kind: 'server', start: 1, end: 9 })).toBe('GET → pricing-api');
  });

  it('without a peer service: the service that answered, not the caller\'s own child spans', () => {
    expect(labelOf(call(url),
      { id: 'dns', parent: 'c', service: 'checkout', name: 'dns.lookup', start: 0, end: 1 },
      { id: 's', parent: 'c', service: 'inventory', name: 'GET /items/{id}', kind: 'server', start: 1, end: 9 })).toBe('GET → inventory');
  });

  it('nobody answered (an uninstrumented callee): host:port from the URL or server.address', () => {
    expect(labelOf(call(url))).toBe('GET → 127.0.0.1:3009');
    expect(labelOf(call({ 'server.address': 'pricing.internal', 'server.port': 8080 }))).toBe('GET → pricing.internal:8080');
    expect(labelOf(call({ 'http.method': 'GET', 'http.url': 'https://api.example.com/v1/rates' }))).toBe('GET → api.example.com:443');
  });

  it('a call whose context was lost: the service the propagation check matched in another trace, over host:port', () => {
    const tree = buildTree(spans(call(url)));
    expect(spanLabel(tree.nodes.get('c')!, 'inventory')).toBe('GET → inventory');
    // A peer name the caller gave still comes first.
    const named = buildTree(spans(call({ ...url, 'peer.service': 'pricing-api' })));
    expect(spanLabel(named.nodes.get('c')!, 'inventory')).toBe('GET → pricing-api');
  });

  it('messaging: the destination, unless the name already says it; the consumer service when it answered', () => {
    const publish = call({ 'messaging.destination.name': 'orders' }, { name: 'publish orders', kind: 'producer' });
    expect(labelOf(publish)).toBe('publish orders');
    expect(labelOf({ ...publish, name: 'send' })).toBe('send → orders');
    expect(labelOf(publish, { id: 'k', parent: 'c', service: 'billing', name: 'process orders', kind: 'consumer', start: 5, end: 9 }))
      .toBe('publish orders → billing');
  });

  it('database calls: peer, address, else the database system', () => {
    const db = { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM items' };
    expect(labelOf(call({ ...db, 'server.address': 'db', 'server.port': 5432 }, { name: 'SELECT items' }))).toBe('SELECT items → db:5432');
    expect(labelOf(call(db, { name: 'SELECT items' }))).toBe('SELECT items → postgresql');
    expect(labelOf(call({ 'db.system.name': 'sqlite' }, { name: 'sqlite.query' }))).toBe('sqlite.query → sqlite');
    expect(labelOf(call({ ...db, 'peer.service': 'items-db' }, { name: 'SELECT items' }))).toBe('SELECT items → items-db');
  });

  it('server, consumer and internal spans keep their name; a call with nothing to go on too', () => {
    const tree = buildTree(spans(
      { id: 'r', service: 'frontend', name: 'GET /checkout', kind: 'server', start: 0, end: 10, attrs: { 'peer.service': 'x' } },
      { id: 'i', parent: 'r', service: 'frontend', name: 'render', start: 1, end: 2 },
      { id: 'k', parent: 'r', service: 'frontend', name: 'process orders', kind: 'consumer', start: 2, end: 3, attrs: { 'messaging.destination.name': 'orders' } },
      { id: 'c', parent: 'r', service: 'frontend', name: 'GET', kind: 'client', start: 3, end: 4 },
    ));
    for (const id of ['r', 'i', 'k']) expect(calleeOf(tree.nodes.get(id)!)).toBe('');
    expect(spanLabel(tree.nodes.get('r')!)).toBe('GET /checkout');
    expect(spanLabel(tree.nodes.get('i')!)).toBe('render');
    expect(spanLabel(tree.nodes.get('k')!)).toBe('process orders');
    expect(spanLabel(tree.nodes.get('c')!)).toBe('GET');
  });
});
