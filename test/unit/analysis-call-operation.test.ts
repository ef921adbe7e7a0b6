import { describe, expect, it } from 'vitest';
import { isRetry, operationOf } from '../../src/analysis/call-operation.js';
import { callOperation, templatePath } from '../../src/analysis/semconv.js';
import { buildTree } from '../../src/analysis/tree.js';
import { span, spans, type SpanSpec } from '../fixtures/analysis-spans.js';

const client = (attrs: SpanSpec['attrs'], name = 'GET') => span({ id: 'c', service: 'checkout', name, kind: 'client', start: 0, end: 1, attrs });

/** The operation of call `c` in a tree of these spans. */
function opOf(...specs: SpanSpec[]): string {
  return operationOf(buildTree(spans(...specs)).nodes.get('c')!);
}

describe('operationOf: what a call asked for, the same for every call of one operation', () => {
  const call: SpanSpec = { id: 'c', service: 'checkout', name: 'GET', kind: 'client', start: 0, end: 10,
    attrs: { 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:3003/items/apple' } };

  it('asks the callee first: its SERVER span\'s route', () => {
    const server: SpanSpec = { id: 's', parent: 'c', service: 'inventory', name: 'GET /items/{id}', kind: 'server', start: 1, end: 9,
      attrs: { 'http.request.method': 'GET', 'http.route': '/items/{id}' } };
    expect(opOf(call, server)).toBe('GET /items/{id}');
    // Without the method attribute, the name carries it; without either, the route alone.
    expect(opOf(call, { ...server, attrs: { 'http.route': '/items/{id}' } })).toBe('GET /items/{id}');
    expect(opOf(call, { ...server, name: 'items', attrs: { 'http.route': '/items/{id}' } })).toBe('/items/{id}');
  });

  it('takes the callee\'s name, unless it is a bare method every call would share', () => {
    expect(opOf(call, { id: 's', parent: 'c', service: 'inventory', name: 'ItemService/Get', kind: 'server', start: 1, end: 9 })).toBe('ItemService/Get');
    // Fastify and plain node:http name the SERVER span "GET": the client's URL tells more.
    expect(opOf(call, { id: 's', parent: 'c', service: 'inventory', name: 'GET', kind: 'server', start: 1, end: 9 })).toBe('GET /items/apple');
  });

  it('ignores the caller\'s own child spans (DNS, TLS) and falls back to the client side', () => {
    expect(opOf(call, { id: 'dns', parent: 'c', service: 'checkout', name: 'dns.lookup', start: 0, end: 1 })).toBe('GET /items/apple');
  });

  it('names a SERVER span standing in for a missing client span by its route', () => {
    const tree = buildTree(spans(
      { id: 'job', service: 'worker', start: 0, end: 10 },
      { id: 's', parent: 'job', service: 'inventory', name: 'GET', kind: 'server', start: 1, end: 9, attrs: { 'http.request.method': 'GET', 'http.route': '/items/:id' } },
    ));
    expect(operationOf(tree.nodes.get('s')!)).toBe('GET /items/:id');
  });
});

describe('callOperation: the client side', () => {
  it('url.template, then the query text with its whitespace collapsed, then the RPC method', () => {
    expect(callOperation(client({ 'http.request.method': 'GET', 'url.template': '/items/{id}', 'url.full': 'http://x/items/1' }))).toBe('GET /items/{id}');
    expect(callOperation(client({ 'db.query.text': 'SELECT *\n    FROM items\tWHERE id = $1  ' }))).toBe('SELECT * FROM items WHERE id = $1');
    expect(callOperation(client({ 'db.statement': 'SELECT  1' }))).toBe('SELECT 1');
    expect(callOperation(client({ 'rpc.service': 'shop.Inventory', 'rpc.method': 'GetItem' }))).toBe('shop.Inventory/GetItem');
    expect(callOperation(client({ 'rpc.method': 'GetItem' }))).toBe('GetItem');
  });

  it('/items/1 … /items/5 are one operation: ID-like path segments become {id}', () => {
    const ops = [1, 2, 3, 4, 5].map((n) => callOperation(client({ 'http.request.method': 'GET', 'url.full': `http://127.0.0.1:3003/items/${n}?full=1` })));
    expect(new Set(ops)).toEqual(new Set(['GET /items/{id}']));
    expect(callOperation(client({ 'http.method': 'GET', 'http.url': 'http://x/a/42' }))).toBe('GET /a/{id}');
    expect(callOperation(client({ 'http.method': 'GET', 'http.target': '/a/42?x=1' }))).toBe('GET /a/{id}');
    expect(callOperation(client({ 'http.request.method': 'GET', 'url.path': '/users/7' }))).toBe('GET /users/{id}');
  });

  it('falls back to the span name', () => {
    expect(callOperation(client({}, 'publish orders'))).toBe('publish orders');
  });
});

describe('templatePath', () => {
  it('replaces numbers, UUIDs and long hex strings, and nothing else', () => {
    expect(templatePath('/users/42/orders/5f1d7c0e9b3a4e21a0c8d7f6')).toBe('/users/{id}/orders/{id}');
    expect(templatePath('/carts/123e4567-e89b-12d3-a456-426614174000/items')).toBe('/carts/{id}/items');
    expect(templatePath('/blobs/da39a3ee5e6b4b0d3255bfef95601890afd80709')).toBe('/blobs/{id}');
    expect(templatePath('/items/apple/v2/decade')).toBe('/items/apple/v2/decade');
    expect(templatePath('/')).toBe('/');
  });
});

describe('isRetry', () => {
  const tree = buildTree(spans(
    { id: 'p', service: 'web', start: 0, end: 100 },
    { id: 'a', parent: 'p', service: 'web', kind: 'client', start: 0, end: 10, attrs: { 'url.full': 'http://x/quote', 'http.response.status_code': 503 } },
    { id: 'b', parent: 'p', service: 'web', kind: 'client', start: 10, end: 20, attrs: { 'url.full': 'http://x/quote', 'http.response.status_code': 200 } },
    { id: 'c', parent: 'p', service: 'web', kind: 'client', start: 20, end: 30, attrs: { 'url.full': 'http://x/quote', 'http.response.status_code': 200 } },
    { id: 'd', parent: 'p', service: 'web', kind: 'client', start: 30, end: 40, attrs: { 'url.full': 'http://x/items/1', 'http.response.status_code': 500 } },
    { id: 'e', parent: 'p', service: 'web', kind: 'client', start: 40, end: 50, attrs: { 'url.full': 'http://x/items/2', 'http.response.status_code': 200 } },
  ));
  const n = (id: string) => tree.nodes.get(id)!;

  it('is the same request after a failed one', () => {
    expect(isRetry(n('b'), n('a'))).toBe(true);
    // The previous one succeeded: asked again on purpose.
    expect(isRetry(n('c'), n('b'))).toBe(false);
    // The next item of a loop after a failed one: not a retry.
    expect(isRetry(n('e'), n('d'))).toBe(false);
  });
});
