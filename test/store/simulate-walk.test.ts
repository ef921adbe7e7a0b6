import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceFacts } from '../../src/sampling/evaluate.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

/**
 * The simulator's walk over the store: each trace row's facts are what `traceFacts` says of the trace's spans,
 * the window selects by start and keeps the newest, attribute values are read only when asked, and the plan
 * walks trace_rows_start without a sort or a scan beyond the window.
 */

let store: TempStore;
const shop = makeResource('shop', { 'deployment.environment': 'prod' });
const pay = makeResource('payments');

beforeAll(() => {
  store = tempStore({ limits: {} });
  // 1: root + failed child, in two export requests (two chunks).
  store.write([makeSpan({ traceId: traceId(1), spanId: spanId(1), name: 'GET /cart', resource: shop, endTimeUnixNano: BASE_NS + 40n * MS, attributes: { 'http.route': '/cart' } })]);
  store.write([
    makeSpan({ traceId: traceId(1), spanId: spanId(2), parentSpanId: spanId(1), name: 'charge', resource: pay, startTimeUnixNano: BASE_NS + 5n * MS, endTimeUnixNano: BASE_NS + 55n * MS, statusCode: 2 }),
  ]);
  // 2: no root (its parent never arrived): named by its earliest span.
  store.write([
    makeSpan({ traceId: traceId(2), spanId: spanId(3), parentSpanId: spanId(99), name: 'late', resource: pay, startTimeUnixNano: BASE_NS + 20n * MS, endTimeUnixNano: BASE_NS + 30n * MS }),
    makeSpan({ traceId: traceId(2), spanId: spanId(4), parentSpanId: spanId(98), name: 'early', resource: shop, startTimeUnixNano: BASE_NS + 10n * MS, endTimeUnixNano: BASE_NS + 12n * MS }),
  ]);
  // 3..12: one span each, 1 ms apart, a 5xx on every third (failed by the HTTP rule, not the status).
  for (let n = 3; n <= 12; n++) {
    const start = BASE_NS + BigInt(100 + n) * MS;
    store.write([makeSpan({ traceId: traceId(n), spanId: spanId(100 + n), name: 'GET /health', resource: shop, startTimeUnixNano: start, endTimeUnixNano: start + 2n * MS, attributes: { 'http.response.status_code': n % 3 === 0 ? 503 : 200 } })]);
  }
});
afterAll(() => store.close());

const all = () => store.reader.walkTraces({ endNs: BASE_NS + 10_000n * MS, limit: 1000, attributeKeys: [] });

describe('the simulator’s walk', () => {
  it('gives each trace the facts traceFacts gives its spans, oldest first, without attributes unless asked', () => {
    const walk = all();
    expect(walk.more).toBe(false);
    expect(walk.traces.map((t) => t.traceId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(traceId));
    for (const t of walk.traces) {
      const f = traceFacts(t.traceId, store.reader.getTrace(t.traceId), () => []);
      expect({ error: t.errorCount > 0, durationNs: t.durationNs, rootService: t.rootService, rootName: t.rootName }).toEqual({
        error: f.error,
        durationNs: f.durationNs,
        rootService: f.rootService,
        rootName: f.rootName,
      });
      expect(t.attributes).toBeUndefined();
    }
    expect(walk.traces[0]).toMatchObject({ startNs: BASE_NS, endNs: BASE_NS + 55n * MS, spanCount: 2, errorCount: 1, rootService: 'shop', rootName: 'GET /cart' });
    expect(walk.traces[1]).toMatchObject({ rootService: 'shop', rootName: 'early', durationNs: 20n * MS, errorCount: 0 });
    expect(walk.traces.filter((t) => t.errorCount > 0).map((t) => t.traceId)).toEqual([1, 3, 6, 9, 12].map(traceId));
  });

  it('reads the asked keys from the spans and their resources', () => {
    const walk = store.reader.walkTraces({ endNs: BASE_NS + 10_000n * MS, limit: 3, attributeKeys: ['http.route', 'deployment.environment', 'nope'] });
    expect(walk.traces.map((t) => t.traceId)).toEqual([10, 11, 12].map(traceId));
    const one = store.reader.walkTraces({ startNs: BASE_NS, endNs: BASE_NS, limit: 10, attributeKeys: ['http.route', 'deployment.environment', 'nope'] });
    expect(one.traces).toHaveLength(1);
    expect(Object.fromEntries(one.traces[0].attributes!)).toEqual({ 'http.route': ['/cart'], 'deployment.environment': ['prod'], nope: [] });
  });

  it('selects traces by start in the window, the newest when there are more than the limit, and says so', () => {
    const w = store.reader.walkTraces({ startNs: BASE_NS + 105n * MS, endNs: BASE_NS + 110n * MS, limit: 100, attributeKeys: [] });
    expect(w.traces.map((t) => t.traceId)).toEqual([5, 6, 7, 8, 9, 10].map(traceId));
    const capped = store.reader.walkTraces({ startNs: BASE_NS + 105n * MS, endNs: BASE_NS + 110n * MS, limit: 4, attributeKeys: [] });
    expect(capped).toMatchObject({ more: true });
    expect(capped.traces.map((t) => t.traceId)).toEqual([7, 8, 9, 10].map(traceId));
  });

  it('measures the store’s bytes per span: its live pages over the spans it holds', () => {
    const { bytesPerSpan } = all();
    const pages = Number(store.db.pragma('page_count', { simple: true })) - Number(store.db.pragma('freelist_count', { simple: true }));
    expect(bytesPerSpan).toBeCloseTo((pages * Number(store.db.pragma('page_size', { simple: true }))) / 14, 6);
  });

  it('plan: trace_rows_start from the window’s newest end, no sort, no scan; chunks by their trace', () => {
    store.db.exec('ANALYZE');
    expect(store.reader.explainWalk()).toEqual({
      rows: ['SEARCH trace_rows USING INDEX trace_rows_start (start_ns>? AND start_ns<?)'],
      chunks: ['SEARCH chunks USING INDEX chunks_trace (trace_ref=?)'],
    });
  });
});
