import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyEdge } from '../../src/model/analysis-ports.js';
import type { Span } from '../../src/model/span.js';
import { dumpStore } from '../fixtures/store-dump.js';
import { legacyScenario, MS, span, spanIdOf, T0, traceIdOf } from '../fixtures/propagation-spans.js';
import { tempStore, type TempStore } from '../fixtures/store-spans.js';

/**
 * The service graph and the entry spans as the Committer maintains them, read through SqliteAnalysisReader.
 * Clocks are explicit: `now` is the writer's wall clock in ms (what the grace period runs on), T0 the spans' time.
 */

const GRACE = 6_000;
/** The writer's clock when the first spans arrive: the spans' own time, as if exported at once. */
const NOW = Number(T0 / MS);
/** Past every waiting call's deadline (grace + 1 s for calls) after the last write below. */
const DECIDED = NOW + 10_000 + GRACE + 1_001;

let store: TempStore;
afterEach(() => store?.close());

const whole = (s: TempStore) => s.analysis.dependencies(T0 - 3_600_000n * MS, T0 + 3_600_000n * MS);
const edges = (s: TempStore) => whole(s).edges.map(brief);
const brief = (e: DependencyEdge) => [e.parent, e.child, e.callCount, e.errorCount, e.instrumented ? 'instrumented' : 'uninstrumented', e.broken ? 'broken' : 'traced'];

describe('the service graph through the committer', () => {
  it.each([
    ['callers first', (t1: Span[], t2: Span[]) => [t1, t2]],
    ['callees first', (t1: Span[], t2: Span[]) => [t2, t1]],
  ])('%s: calls at once, an uninstrumented callee and a broken link after the grace period', (_order, order) => {
    store = tempStore({ graceMs: GRACE });
    const { trace1, trace2 } = legacyScenario();
    const [first, second] = order(trace1, trace2);
    store.write(first, NOW);
    store.write(second, NOW + 1_000);
    // A call whose two halves arrived is counted at once, and so is a call to a database (no span will answer it).
    const atOnce = [
      ['frontend', 'legacy', 1, 0, 'instrumented', 'traced'],
      ['inventory', 'db.internal:5432', 1, 0, 'uninstrumented', 'traced'],
    ];
    expect(edges(store)).toEqual(atOnce);
    // The other leaf call waits (the grace period, and a second more for calls): its callee's spans may still be on the way.
    store.committer.expire(NOW + GRACE + 999);
    expect(edges(store)).toEqual(atOnce);
    store.committer.expire(NOW + 1_000 + GRACE + 1_000);
    expect(edges(store)).toEqual([
      ['frontend', 'legacy', 1, 0, 'instrumented', 'traced'],
      // inventory's database never sent spans: named by the address it was called at.
      ['inventory', 'db.internal:5432', 1, 0, 'uninstrumented', 'traced'],
      // legacy called 127.0.0.1:3003 with traceparent dropped: inventory answered as the root of trace 2.
      ['legacy', 'inventory', 1, 0, 'instrumented', 'broken'],
    ]);
    expect(whole(store).traces).toBe(2);
  });

  it('a commit decides what waited past its grace period too, and a retried export adds nothing', () => {
    store = tempStore({ graceMs: GRACE });
    const { trace1, trace2 } = legacyScenario();
    store.write(trace1, NOW);
    store.write(trace2, NOW + 500);
    store.write([...trace1, ...trace2], NOW + 1_000); // retried before anything was decided: nothing new waits
    // Any commit past the deadlines decides them; no expire() needed.
    store.write([span({ trace: 9, id: 'x', service: 'cron', start: 20_000, duration: 1 })], DECIDED);
    const decided = dumpStore(store.db, ['dependency_minutes', 'entry_spans']);
    expect(edges(store)).toEqual([
      ['frontend', 'legacy', 1, 0, 'instrumented', 'traced'],
      ['inventory', 'db.internal:5432', 1, 0, 'uninstrumented', 'traced'],
      ['legacy', 'inventory', 1, 0, 'instrumented', 'broken'],
    ]);
    // Retried after it was decided, and after a restart: still nothing new.
    store.write([...trace1, ...trace2], DECIDED + 1);
    store.committer.expire(DECIDED + 60_000);
    store = store.reopen();
    store.write([...trace1, ...trace2], DECIDED + 60_000);
    store.committer.expire(DECIDED + 120_000);
    expect(dumpStore(store.db, ['dependency_minutes', 'entry_spans'])).toEqual(decided);
    expect(edges(store)).toEqual([
      ['frontend', 'legacy', 1, 0, 'instrumented', 'traced'],
      ['inventory', 'db.internal:5432', 1, 0, 'uninstrumented', 'traced'],
      ['legacy', 'inventory', 1, 0, 'instrumented', 'broken'],
    ]);
  });

  it('counts errors per edge, by the callee when it was seen and by the call when not', () => {
    store = tempStore({ graceMs: GRACE });
    const attributes = { 'server.address': '127.0.0.1', 'server.port': 3003 };
    const clients = [0, 200, 400].map((t, i) =>
      span({ trace: 10 + i, id: `c${i}`, service: 'legacy', kind: 3, start: t, duration: 20, attributes, statusCode: i === 2 ? 2 : 0 }),
    );
    const callee = span({ trace: 20, id: 's', service: 'inventory', kind: 2, start: 202, duration: 5,
      attributes: { 'server.port': 3003, 'http.response.status_code': 503 } }); // prettier-ignore
    const api = span({ trace: 30, id: 'a', service: 'api', kind: 2, start: 600, duration: 20 });
    const apiCall = span({ trace: 30, id: 'ac', parent: 'a', service: 'api', kind: 3, start: 601, duration: 5 });
    const db = span({ trace: 30, id: 'd', parent: 'ac', service: 'db', kind: 2, start: 602, duration: 2, statusCode: 2 });
    store.write([...clients, callee], NOW);
    store.write([api, apiCall], NOW + 100);
    store.write([db], NOW + 200); // the callee half arrives in a later request
    store.committer.expire(DECIDED);
    expect(edges(store)).toEqual([
      ['api', 'db', 1, 1, 'instrumented', 'traced'],
      ['legacy', '127.0.0.1:3003', 2, 1, 'uninstrumented', 'traced'],
      ['legacy', 'inventory', 1, 1, 'instrumented', 'broken'],
    ]);
  });

  it('finds a parent stored in an earlier commit when its child arrives late', () => {
    store = tempStore({ graceMs: GRACE });
    const parent = span({ trace: 40, id: 'p', service: 'web', kind: 1, start: 0, duration: 50 });
    const child = span({ trace: 40, id: 'c', parent: 'p', service: 'api', kind: 2, start: 10, duration: 5 });
    store.write([parent], NOW);
    store.committer.expire(NOW + 60_000); // long decided: an INTERNAL span waits for nothing
    store.write([child], NOW + 60_000);
    expect(edges(store)).toEqual([]); // waiting for its parent, which may still be on the way
    store.committer.expire(NOW + 60_000 + GRACE);
    expect(edges(store)).toEqual([['web', 'api', 1, 0, 'instrumented', 'traced']]);
    // Its parent was found: never an entry span.
    expect(store.analysis.rootSpansBetween(T0 - 1000n * MS, T0 + 1000n * MS, '')).toEqual([]);
  });

  it('a window reads the whole minutes it touches', () => {
    store = tempStore({ graceMs: GRACE });
    const minute = 60_000;
    const call = (trace: number, at: number) => [
      span({ trace, id: 'a', service: 'a', kind: 3, start: at, duration: 2, attributes: { 'peer.service': 'b' } }),
      span({ trace, id: 'b', parent: 'a', service: 'b', kind: 2, start: at + 1, duration: 1 }),
    ];
    // T0 is 20 s into a minute: the next one starts 40 s later.
    store.write([...call(1, 0), ...call(2, 45_000), ...call(3, 45_000 + minute)], NOW);
    const at = (ms: number) => T0 + BigInt(ms) * MS;
    const window = (from: number, to: number) => store.analysis.dependencies(at(from), at(to));
    expect(window(0, 1)).toEqual({ edges: [{ parent: 'a', child: 'b', callCount: 1, errorCount: 0, instrumented: true, broken: false }], traces: 1 });
    expect(window(39_000, 40_000).edges[0].callCount).toBe(2); // the next minute starts at 40 s
    expect(window(-20_000, 100_000)).toMatchObject({ edges: [{ callCount: 3 }], traces: 3 });
    expect(window(200_000, 300_000)).toEqual({ edges: [], traces: 0 });
  });
});

describe('rootSpansBetween: where calls that lost their trace may have continued', () => {
  /**
   * Trace 1: frontend server → frontend client → legacy server → legacy leaf client (to 127.0.0.1:3003).
   * Trace 2 (12 ms later): inventory root server, a failed inventory → db-svc call, an orphan consumer.
   * Trace 3 (10 s later): a lone root server and a parentless INTERNAL span.
   */
  function scenario(): Span[] {
    const s = (trace: number, id: string, parent: string | undefined, service: string, kind: number, start: number, attributes = {}) =>
      span({ trace, id, parent, service, kind, start, duration: 10, attributes, name: `${service}-${id}` });
    return [
      s(1, 'fe', undefined, 'frontend', 2, 0),
      s(1, 'fe-call', 'fe', 'frontend', 3, 1, { 'server.address': 'legacy', 'server.port': 8080 }),
      s(1, 'lg', 'fe-call', 'legacy', 2, 2),
      s(1, 'lg-call', 'lg', 'legacy', 3, 3, { 'url.full': 'http://127.0.0.1:3003/items' }),
      s(2, 'inv', undefined, 'inventory', 2, 12, { 'server.port': 3003 }),
      s(2, 'inv-call', 'inv', 'inventory', 3, 13),
      s(2, 'db', 'inv-call', 'db-svc', 2, 14, { 'http.response.status_code': 503 }),
      s(2, 'bill', 'gone', 'billing', 5, 15, { 'messaging.destination.name': 'invoices' }),
      s(2, 'job', 'inv', 'inventory', 1, 16),
      s(3, 'lonely', undefined, 'lonely', 2, 10_000, { 'server.address': 'lonely.internal', 'server.port': 80 }),
      s(3, 'cron', undefined, 'cron', 1, 10_001), // a parentless INTERNAL span: no one called it, never a candidate
    ];
  }
  const ids = (spans: Span[]) => spans.map((x) => [Number.parseInt(x.traceId, 16), x.service]);
  const around = (from: number, to: number, exclude = '', limit?: number) =>
    store.analysis.rootSpansBetween(T0 + BigInt(from) * MS, T0 + BigInt(to) * MS, exclude, limit);

  it('gives root SERVER/CONSUMER spans at once and orphaned ones after the grace period, as the matcher reads them', () => {
    store = tempStore({ graceMs: GRACE });
    store.write(scenario(), NOW);
    expect(ids(around(-1000, 1000, traceIdOf(1)))).toEqual([[2, 'inventory']]);
    store.committer.expire(NOW + GRACE);
    expect(ids(around(-1000, 1000, traceIdOf(1)))).toEqual([[2, 'inventory'], [2, 'billing']]);
    const [inv, bill] = around(-1000, 1000, traceIdOf(1));
    expect(inv).toMatchObject({
      traceId: traceIdOf(2), spanId: spanIdOf('inv'), service: 'inventory', kind: 2, parentSpanId: '',
      attributes: { 'server.port': 3003 }, error: false, resource: { attributes: { 'service.name': 'inventory' } },
    }); // prettier-ignore
    expect(inv.startTimeUnixNano).toBe(T0 + 12n * MS);
    expect(inv.endTimeUnixNano).toBe(T0 + 22n * MS);
    expect(bill).toMatchObject({ kind: 5, attributes: { 'messaging.destination.name': 'invoices' } });
    const lonely = around(9_000, 11_000)[0];
    expect(lonely.attributes).toEqual({ 'server.address': 'lonely.internal', 'server.port': 80 });
  });

  it('includes the excluded trace only when asked to, and honours the limit and the window, earliest first', () => {
    store = tempStore({ graceMs: GRACE });
    store.write(scenario(), NOW);
    store.committer.expire(NOW + GRACE);
    expect(ids(around(0, 20_000))).toEqual([[1, 'frontend'], [2, 'inventory'], [2, 'billing'], [3, 'lonely']]);
    expect(ids(around(0, 20_000, '', 2))).toEqual([[1, 'frontend'], [2, 'inventory']]);
    expect(ids(around(5_000, 20_000))).toEqual([[3, 'lonely']]);
    expect(ids(around(12, 12))).toEqual([[2, 'inventory']]); // both ends inclusive
    expect(around(20_000, 30_000)).toEqual([]);
  });

  it('the graph of the same spans: the broken link found against those entry spans', () => {
    store = tempStore({ graceMs: GRACE });
    store.write(scenario(), NOW);
    store.committer.expire(DECIDED);
    expect(edges(store)).toEqual([
      ['frontend', 'legacy', 1, 0, 'instrumented', 'traced'],
      ['inventory', 'db-svc', 1, 1, 'instrumented', 'traced'],
      ['legacy', 'inventory', 1, 0, 'instrumented', 'broken'],
    ]);
  });
});
