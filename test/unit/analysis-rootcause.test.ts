import { describe, expect, it } from 'vitest';
import { findRootCause } from '../../src/analysis/rootcause.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

const find = (...specs: SpanSpec[]) => findRootCause(buildTree(spans(...specs)));
const status = (code: number) => ({ 'http.response.status_code': code });

/** payments 500 → checkout client error → checkout server 502 → frontend client → frontend server 502. */
function deepFailure(paymentsException = true): SpanSpec[] {
  return [
    { id: 'fe', service: 'frontend', name: 'GET /checkout', kind: 'server', start: 0, end: 100, error: true, attrs: status(502) },
    { id: 'fe-c', parent: 'fe', service: 'frontend', name: 'POST', kind: 'client', start: 5, end: 95, error: true,
      attrs: { ...status(502), 'peer.service': 'checkout' } },
    { id: 'co', parent: 'fe-c', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 10, end: 90, error: true,
      attrs: status(502), ...(paymentsException ? {} : { exception: { type: 'UpstreamError', message: 'payments failed' } }) },
    { id: 'co-db', parent: 'co', service: 'checkout', name: 'SELECT cart', kind: 'client', start: 12, end: 20 },
    { id: 'co-c', parent: 'co', service: 'checkout', name: 'POST', kind: 'client', start: 20, end: 80, error: true,
      attrs: { ...status(500), 'peer.service': 'payments' } },
    { id: 'pay', parent: 'co-c', service: 'payments', name: 'POST /charge', kind: 'server', start: 25, end: 75,
      status: 'error', statusMessage: 'card declined', attrs: status(500),
      ...(paymentsException ? { exception: { type: 'CardError', message: 'card declined', stacktrace: 'at charge()' } } : {}) },
  ];
}

describe('findRootCause', () => {
  it('finds an error that started three services deep behind a 502', () => {
    const rc = find(...deepFailure());
    expect(rc).toEqual({
      spanId: 'pay',
      service: 'payments',
      name: 'POST /charge',
      statusMessage: 'card declined',
      exception: { type: 'CardError', message: 'card declined', stacktrace: 'at charge()' },
      chain: [
        { spanId: 'pay', service: 'payments', name: 'POST /charge', httpStatus: 500, originated: true },
        { spanId: 'co-c', service: 'checkout', name: 'POST', httpStatus: 500, originated: false },
        { spanId: 'co', service: 'checkout', name: 'POST /checkout', httpStatus: 502, originated: false },
        { spanId: 'fe-c', service: 'frontend', name: 'POST', httpStatus: 502, originated: false },
        { spanId: 'fe', service: 'frontend', name: 'GET /checkout', httpStatus: 502, originated: false },
      ],
      errors: [
        { spanId: 'fe', service: 'frontend', name: 'GET /checkout', originated: false },
        { spanId: 'fe-c', service: 'frontend', name: 'POST', originated: false },
        { spanId: 'co', service: 'checkout', name: 'POST /checkout', originated: false },
        { spanId: 'co-c', service: 'checkout', name: 'POST', originated: false },
        { spanId: 'pay', service: 'payments', name: 'POST /charge', originated: true },
      ],
      message:
        'The error started in payments (POST /charge: 500 card declined) and travelled up through checkout (502) ' +
        'to frontend (502).',
    });
  });

  it('takes the exception from the nearest span in the chain when the origin recorded none', () => {
    const rc = find(...deepFailure(false));
    expect(rc?.spanId).toBe('pay');
    expect(rc?.exception).toEqual({ type: 'UpstreamError', message: 'payments failed', stacktrace: '' });
  });

  it('stops the chain where the error was handled (a retry succeeded)', () => {
    const rc = find(
      { id: 'fe', service: 'frontend', name: 'GET /checkout', kind: 'server', start: 0, end: 200, attrs: status(200) },
      { id: 'co', parent: 'fe', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 5, end: 195, attrs: status(200) },
      { id: 'try1', parent: 'co', service: 'checkout', name: 'POST', kind: 'client', start: 10, end: 60,
        attrs: { ...status(503), 'peer.service': 'payments' } },
      { id: 'pay1', parent: 'try1', service: 'payments', name: 'POST /charge', kind: 'server', start: 12, end: 58,
        attrs: status(503), statusMessage: 'overloaded', error: true },
      { id: 'try2', parent: 'co', service: 'checkout', name: 'POST', kind: 'client', start: 70, end: 120,
        attrs: { ...status(200), 'peer.service': 'payments' } },
      { id: 'pay2', parent: 'try2', service: 'payments', name: 'POST /charge', kind: 'server', start: 72, end: 118, attrs: status(200) },
    );
    expect(rc?.spanId).toBe('pay1');
    expect(rc?.chain.map((h) => h.spanId)).toEqual(['pay1', 'try1']);
    expect(rc?.exception).toBeNull();
    expect(rc?.message).toBe(
      'The error started in payments (POST /charge: 503 overloaded) and travelled up to checkout (503); ' +
        'checkout handled it (POST /checkout did not fail).',
    );
  });

  it('prefers the error that reached the root over one handled on the way, even if that came first', () => {
    const rc = find(
      { id: 'root', service: 'api', name: 'GET /', kind: 'server', start: 0, end: 100, error: true },
      { id: 'ok', parent: 'root', service: 'api', name: 'load cache', start: 1, end: 20 },
      { id: 'cache', parent: 'ok', service: 'api', name: 'GET cache', kind: 'client', start: 2, end: 10, error: true,
        attrs: { 'server.address': 'redis', 'server.port': 6379 } },
      { id: 'db', parent: 'root', service: 'api', name: 'SELECT', kind: 'client', start: 30, end: 90, error: true,
        statusMessage: 'deadlock detected', attrs: { 'server.address': 'db', 'server.port': 5432 } },
    );
    expect(rc?.spanId).toBe('db');
    expect(rc?.errors.map((e) => [e.spanId, e.originated])).toEqual([['root', false], ['cache', true], ['db', true]]);
    expect(rc?.message).toBe("The error started in api's call to db:5432 (SELECT: deadlock detected).");
  });

  it('breaks a tie between origins by the earliest end', () => {
    const rc = find(
      { id: 'root', service: 'api', kind: 'server', start: 0, end: 100, error: true },
      { id: 'late', parent: 'root', service: 'api', start: 1, end: 90, error: true },
      { id: 'early', parent: 'root', service: 'api', start: 2, end: 50, error: true },
    );
    expect(rc?.spanId).toBe('early');
  });

  it('names the uninstrumented callee when a leaf CLIENT call failed', () => {
    const rc = find(
      { id: 'srv', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 0, end: 2000, error: true, attrs: status(502) },
      { id: 'stripe', parent: 'srv', service: 'checkout', name: 'POST', kind: 'client', start: 100, end: 1900, error: true,
        statusMessage: 'connect ETIMEDOUT', attrs: { 'server.address': 'api.stripe.com', 'server.port': 443 } },
    );
    expect(rc?.chain.map((h) => [h.spanId, h.originated])).toEqual([['stripe', true], ['srv', false]]);
    expect(rc?.message).toBe("The error started in checkout's call to api.stripe.com:443 (POST: connect ETIMEDOUT).");
  });

  it('treats 4xx as an error on a CLIENT span but not on a SERVER span', () => {
    const serverOnly = find({ id: 'srv', service: 'inventory', name: 'GET /items/:id', kind: 'server', start: 0, end: 5, attrs: status(404) });
    expect(serverOnly).toBeNull();
    const rc = find(
      { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 10, attrs: status(200) },
      { id: 'c', parent: 'fe', service: 'frontend', name: 'GET', kind: 'client', start: 1, end: 9, attrs: status(404) },
      { id: 'inv', parent: 'c', service: 'inventory', name: 'GET /items/:id', kind: 'server', start: 2, end: 8, attrs: status(404) },
    );
    expect(rc?.errors).toEqual([{ spanId: 'c', service: 'frontend', name: 'GET', originated: true }]);
    expect(rc?.message).toBe(
      "The error started in frontend's call to inventory (GET: 404); frontend handled it (GET / did not fail).",
    );
  });

  it('returns null without errors, and for an empty trace', () => {
    expect(find({ id: 'a', service: 'api', start: 0, end: 1 })).toBeNull();
    expect(findRootCause(buildTree([]))).toBeNull();
  });

  it('survives repaired cycles', () => {
    const rc = find(
      { id: 'a', parent: 'b', service: 'api', start: 0, end: 20, error: true },
      { id: 'b', parent: 'a', service: 'api', start: 5, end: 10, error: true },
    );
    expect(rc?.chain.map((h) => h.spanId)).toEqual(['b', 'a']);
  });
});
