import { describe, expect, it } from 'vitest';
import { findRootCause } from '../../src/analysis/rootcause.js';
import { buildTree } from '../../src/analysis/tree.js';
import { expressRequest, httpCall, spans, type SpanSpec } from '../fixtures/analysis-spans.js';

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
        // A call's label says whom it called (span-name.ts): the waterfall and the panel read the same words.
        { spanId: 'pay', service: 'payments', name: 'POST /charge', label: 'POST /charge', httpStatus: 500, originated: true },
        { spanId: 'co-c', service: 'checkout', name: 'POST', label: 'POST → payments', httpStatus: 500, originated: false },
        { spanId: 'co', service: 'checkout', name: 'POST /checkout', label: 'POST /checkout', httpStatus: 502, originated: false },
        { spanId: 'fe-c', service: 'frontend', name: 'POST', label: 'POST → checkout', httpStatus: 502, originated: false },
        { spanId: 'fe', service: 'frontend', name: 'GET /checkout', label: 'GET /checkout', httpStatus: 502, originated: false },
      ],
      handledBy: null,
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

  it('never takes the exception from another service: checkout\'s "payments failed" is a symptom', () => {
    const rc = find(...deepFailure(false));
    expect(rc?.spanId).toBe('pay');
    expect(rc?.exception).toBeNull();
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
    expect(rc?.handledBy).toEqual({ spanId: 'co', service: 'checkout', name: 'POST /checkout' });
    expect(rc?.exception).toBeNull();
    expect(rc?.message).toBe(
      'The error started in payments (POST /charge: 503 overloaded); checkout handled it: its call got 503, ' +
        'but POST /checkout did not fail.',
    );
  });

  it('prefers the error that reached the root over one handled on the way, even if that came first', () => {
    const rc = find(
      { id: 'root', service: 'api', name: 'GET /', kind: 'server', start: 0, end: 100, error: true },
      { id: 'cc', parent: 'root', service: 'api', name: 'GET', kind: 'client', start: 1, end: 20, attrs: { 'peer.service': 'cache' } },
      { id: 'cs', parent: 'cc', service: 'cache', name: 'GET /entry', kind: 'server', start: 2, end: 19, attrs: status(200) },
      { id: 'redis', parent: 'cs', service: 'cache', name: 'GET', kind: 'client', start: 3, end: 10, error: true,
        attrs: { 'server.address': 'redis', 'server.port': 6379 } },
      { id: 'db', parent: 'root', service: 'api', name: 'SELECT', kind: 'client', start: 30, end: 90, error: true,
        statusMessage: 'deadlock detected', attrs: { 'server.address': 'db', 'server.port': 5432 } },
    );
    expect(rc?.spanId).toBe('db');
    expect(rc?.handledBy).toBeNull();
    expect(rc?.errors.map((e) => [e.spanId, e.originated])).toEqual([['root', false], ['redis', true], ['db', true]]);
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
    expect(rc?.handledBy).toEqual({ spanId: 'fe', service: 'frontend', name: 'GET /' });
    expect(rc?.message).toBe("The error started in frontend's call to inventory (GET: 404); frontend handled it: GET / did not fail.");
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

/**
 * web → orders → payment on Express, as the issue reported it: payment's route handler records the exception
 * and sets ERROR on the active span (`request handler - /charge`) and answers 500; orders and web answer 502.
 * No middleware or handler span of web and orders fails.
 */
function expressChain(): SpanSpec[] {
  const card = { type: 'CardDeclinedError', message: 'card declined', stacktrace: 'at charge (payment.js:41)' };
  return [
    ...expressRequest({ id: 'web', service: 'web', route: '/checkout', start: 0, end: 100, status: 502 }),
    httpCall({ id: 'web-c', parent: 'web-h', service: 'web', method: 'POST', url: 'http://127.0.0.1:3001/orders', start: 5, end: 95, status: 502 }),
    ...expressRequest({ id: 'ord', parent: 'web-c', service: 'orders', method: 'POST', route: '/orders', start: 10, end: 90, status: 502 }),
    httpCall({ id: 'ord-c', parent: 'ord-h', service: 'orders', method: 'POST', url: 'http://127.0.0.1:3002/charge', start: 15, end: 85, status: 500 }),
    ...expressRequest({ id: 'pay', parent: 'ord-c', service: 'payment', method: 'POST', route: '/charge', start: 20, end: 80, status: 500,
      handler: { status: 'error', statusMessage: 'card declined', exception: card } }),
  ];
}

describe('findRootCause on framework span shapes', () => {
  it('Express: names payment\'s handler span, not web\'s SERVER span, with the exception recorded there', () => {
    const rc = find(...expressChain());
    expect(rc).toMatchObject({
      spanId: 'pay-h',
      service: 'payment',
      name: 'request handler - /charge',
      exception: { type: 'CardDeclinedError', message: 'card declined' },
      handledBy: null,
    });
    expect(rc?.chain.map((h) => [h.spanId, h.httpStatus])).toEqual([
      ['pay-h', undefined], ['pay', 500], ['ord-c', 500], ['ord', 502], ['web-c', 502], ['web', 502],
    ]);
    expect(rc?.errors.filter((e) => e.originated).map((e) => e.spanId)).toEqual(['pay-h']);
    expect(rc?.message).toBe(
      'The error started in payment (request handler - /charge: card declined), which answered 500, ' +
        'and travelled up through orders (502) to web (502).',
    );
  });

  it('Fastify and plain node:http: the exception and ERROR on the SERVER span itself', () => {
    const rc = find(
      { id: 'web', service: 'web', name: 'GET', kind: 'server', start: 0, end: 100, attrs: status(502) },
      httpCall({ id: 'web-c', parent: 'web', service: 'web', method: 'POST', url: 'http://127.0.0.1:3002/charge', start: 5, end: 95, status: 500 }),
      { id: 'pay', parent: 'web-c', service: 'payment', name: 'POST', kind: 'server', start: 10, end: 90, status: 'error',
        attrs: status(500), exception: { type: 'CardDeclinedError', message: 'card declined' } },
    );
    expect(rc).toMatchObject({ spanId: 'pay', service: 'payment', exception: { type: 'CardDeclinedError' }, handledBy: null });
    expect(rc?.message).toBe('The error started in payment (POST: 500 card declined) and travelled up to web (502).');
  });

  it('finds the exception on a handler span that did not fail, below the failed SERVER span that originated', () => {
    // recordException without setStatus: only the HTTP instrumentation's 500 marks payment as failed.
    const rc = find(
      ...expressRequest({ id: 'pay', service: 'payment', method: 'POST', route: '/charge', start: 0, end: 50, status: 500,
        handler: { exception: { type: 'CardDeclinedError', message: 'card declined' } } }),
    );
    expect(rc).toMatchObject({ spanId: 'pay', name: 'POST /charge', exception: { type: 'CardDeclinedError', message: 'card declined' } });
  });

  it('takes the exception recorded last, and one on a failed span over one that was caught', () => {
    const request = (charge: Partial<SpanSpec>, cacheFailed = false) =>
      find(
        ...expressRequest({ id: 'pay', service: 'payment', method: 'POST', route: '/charge', start: 0, end: 50, status: 500 }),
        { id: 'charge', parent: 'pay-h', service: 'payment', name: 'charge card', start: 1, end: 10, exception: { type: 'CardDeclinedError' }, ...charge },
        { id: 'cache', parent: 'pay-h', service: 'payment', name: 'write cache', start: 20, end: 30, exception: { type: 'CacheFull' },
          ...(cacheFailed ? { status: 'error' as const } : {}) },
      );
    // Nothing under the SERVER span failed: it is the origin, and the request ended with CacheFull.
    expect(request({})).toMatchObject({ spanId: 'pay', exception: { type: 'CacheFull' } });
    // The failed span under the origin's entry tells more than the later one that did not fail.
    expect(request({ status: 'error' })).toMatchObject({ spanId: 'charge', exception: { type: 'CardDeclinedError' } });
  });

  it('looks for the exception under the entry span of the origin\'s service only', () => {
    const rc = find(
      ...expressRequest({ id: 'web', service: 'web', route: '/checkout', start: 0, end: 100, status: 502,
        handler: { exception: { type: 'UpstreamError', message: 'orders failed' } } }),
      { ...httpCall({ id: 'web-c', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/orders', start: 5, end: 95 }),
        error: true, statusMessage: 'connect ECONNREFUSED' },
    );
    // The failed call is the origin; web's handler recorded what it made of it.
    expect(rc).toMatchObject({ spanId: 'web-c', exception: { type: 'UpstreamError', message: 'orders failed' } });
    expect(rc?.message).toBe("The error started in web's call to 127.0.0.1:3001 (GET: connect ECONNREFUSED).");
  });

  it('a retry that succeeds: handled by the caller, and nothing at the top is presented as failing', () => {
    const rc = find(
      ...expressRequest({ id: 'fe', service: 'frontend', route: '/', start: 0, end: 200, status: 200 }),
      httpCall({ id: 'fe-c', parent: 'fe-h', service: 'frontend', url: 'http://127.0.0.1:3000/quote', start: 2, end: 198, status: 200 }),
      ...expressRequest({ id: 'web', parent: 'fe-c', service: 'web', route: '/quote', start: 4, end: 196, status: 200 }),
      httpCall({ id: 'try1', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 10, end: 60, status: 500 }),
      ...expressRequest({ id: 'f1', parent: 'try1', service: 'flaky', route: '/quote', start: 12, end: 58, status: 500,
        handler: { status: 'error', statusMessage: 'rates provider timed out', exception: { type: 'UpstreamTimeoutError', message: 'rates provider timed out' } } }),
      httpCall({ id: 'try2', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 70, end: 120, status: 200 }),
      ...expressRequest({ id: 'f2', parent: 'try2', service: 'flaky', route: '/quote', start: 72, end: 118, status: 200 }),
    );
    expect(rc).toMatchObject({
      spanId: 'f1-h',
      service: 'flaky',
      exception: { type: 'UpstreamTimeoutError' },
      handledBy: { spanId: 'web-h', service: 'web', name: 'request handler - /quote' },
    });
    expect(rc?.chain.map((h) => h.spanId)).toEqual(['f1-h', 'f1', 'try1']);
    expect(rc?.message).toBe(
      'The error started in flaky (request handler - /quote: rates provider timed out), which answered 500; ' +
        'web handled it: its call got 500, but GET /quote did not fail.',
    );
    expect(rc?.message).not.toMatch(/frontend/);
  });

  it('a retry that succeeds while the request still fails: not handled, the error reaches the top', () => {
    const rc = find(
      ...expressRequest({ id: 'web', service: 'web', route: '/quote', start: 0, end: 200, status: 502 }),
      httpCall({ id: 'try1', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 10, end: 60, status: 500 }),
      ...expressRequest({ id: 'f1', parent: 'try1', service: 'flaky', route: '/quote', start: 12, end: 58, status: 500 }),
      httpCall({ id: 'try2', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 70, end: 120, status: 200 }),
      ...expressRequest({ id: 'f2', parent: 'try2', service: 'flaky', route: '/quote', start: 72, end: 118, status: 200 }),
    );
    expect(rc).toMatchObject({ spanId: 'f1', handledBy: null });
    expect(rc?.chain.map((h) => h.spanId)).toEqual(['f1', 'try1', 'web']);
    expect(rc?.message).toBe('The error started in flaky (GET /quote: 500) and travelled up to web (502).');
  });

  it('two independent errors: the one that reached the top wins over one handled deep down that ended first', () => {
    const rc = find(
      ...expressRequest({ id: 'fe', service: 'frontend', route: '/', start: 0, end: 300, status: 502 }),
      httpCall({ id: 'fe-rec', parent: 'fe-h', service: 'frontend', url: 'http://127.0.0.1:3005/recs', start: 2, end: 40, status: 200 }),
      ...expressRequest({ id: 'rec', parent: 'fe-rec', service: 'recs', route: '/recs', start: 3, end: 39, status: 200 }),
      { ...httpCall({ id: 'rec-db', parent: 'rec-h', service: 'recs', url: 'http://127.0.0.1:6379/', start: 4, end: 10 }), error: true },
      httpCall({ id: 'fe-co', parent: 'fe-h', service: 'frontend', url: 'http://127.0.0.1:3001/checkout', start: 50, end: 290, status: 502 }),
      ...expressRequest({ id: 'co', parent: 'fe-co', service: 'checkout', route: '/checkout', start: 52, end: 288, status: 502 }),
      httpCall({ id: 'co-pay', parent: 'co-h', service: 'checkout', method: 'POST', url: 'http://127.0.0.1:3002/charge', start: 60, end: 280, status: 500 }),
      ...expressRequest({ id: 'pay', parent: 'co-pay', service: 'payments', method: 'POST', route: '/charge', start: 62, end: 278, status: 500,
        handler: { status: 'error', exception: { type: 'CardDeclinedError' } } }),
    );
    expect(rc).toMatchObject({ spanId: 'pay-h', service: 'payments', handledBy: null });
    expect(rc?.errors.filter((e) => e.originated).map((e) => e.spanId)).toEqual(['rec-db', 'pay-h']);
    expect(rc?.message).toBe(
      'The error started in payments (request handler - /charge), which answered 500, and travelled up through ' +
        'checkout (502) to frontend (502).',
    );
  });

  it('two errors in one failing request both reach the top: the first to end wins', () => {
    const rc = find(
      ...expressRequest({ id: 'api', service: 'api', route: '/', start: 0, end: 100, status: 500 }),
      { ...httpCall({ id: 'cache', parent: 'api-h', service: 'api', url: 'http://127.0.0.1:6379/', start: 1, end: 10 }), error: true },
      { ...httpCall({ id: 'db', parent: 'api-h', service: 'api', url: 'http://127.0.0.1:5432/', start: 20, end: 90 }), error: true },
    );
    // A non-failing span between a failed call and its failed request handled nothing, so the trace cannot
    // tell the cache miss that was shrugged off from the deadlock that failed the request.
    expect(rc?.spanId).toBe('cache');
    expect(rc?.errors.filter((e) => e.originated).map((e) => e.spanId)).toEqual(['cache', 'db']);
  });
});
