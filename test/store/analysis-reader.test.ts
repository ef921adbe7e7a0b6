import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/model/span.js';
import { SqliteAnalysisReader } from '../../src/store/analysis-reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { BASE_NS, makeRecord, makeResource, MS, spanId, traceId } from '../fixtures/store-records.js';
import { searchData } from '../fixtures/store-search-data.js';

/**
 * Trace 1: frontend server → frontend client → legacy server → legacy leaf client (to 127.0.0.1:3003).
 * Trace 2 (starts 12 ms later): inventory root server, a failed inventory → db-svc call, an orphan consumer.
 * Trace 3 (10 s later): a lone root server and a parentless INTERNAL span.
 */
function records(): SpanRecord[] {
  const at = (ms: number) => BASE_NS + BigInt(ms) * MS;
  const rec = (trace: number, id: number, parent: number, service: string, kind: number, start: number, attrs = {}, status = 0) =>
    makeRecord({
      traceId: traceId(trace), spanId: spanId(id), parentSpanId: parent ? spanId(parent) : '', kind,
      startTimeUnixNano: at(start), endTimeUnixNano: at(start + 10), attributes: JSON.stringify(attrs),
      statusCode: status, resource: makeResource(service), name: `${service}-${id}`,
    });
  return [
    rec(1, 1, 0, 'frontend', 2, 0),
    rec(1, 2, 1, 'frontend', 3, 1),
    rec(1, 3, 2, 'legacy', 2, 2),
    rec(1, 4, 3, 'legacy', 3, 3, { 'url.full': 'http://127.0.0.1:3003/items' }),
    rec(2, 10, 0, 'inventory', 2, 12, { 'server.port': 3003 }),
    rec(2, 11, 10, 'inventory', 3, 13),
    rec(2, 12, 11, 'db-svc', 2, 14, { 'http.response.status_code': 503 }),
    rec(2, 13, 99, 'billing', 5, 15),
    rec(2, 14, 10, 'inventory', 1, 16),
    rec(3, 20, 0, 'lonely', 2, 10_000),
    rec(3, 21, 0, 'cron', 1, 10_001), // a parentless INTERNAL span: no one called it, never a candidate
  ];
}

let store: ReturnType<typeof tempDb>;
let reader: SqliteAnalysisReader;

beforeAll(() => {
  store = tempDb();
  const writer = new SqliteSpanWriter(store.db);
  writer.writeSpans(records());
  reader = new SqliteAnalysisReader(store.db);
});
afterAll(() => store.close());

const ids = (spans: Array<{ traceId: string; spanId: string }>) => spans.map((s) => [Number.parseInt(s.traceId, 16), Number.parseInt(s.spanId, 16)]);

describe('rootSpansBetween', () => {
  it('returns parentless and orphaned SERVER/CONSUMER spans of other traces in the window, as whole Spans', () => {
    const spans = reader.rootSpansBetween(BASE_NS - 1000n * MS, BASE_NS + 1000n * MS, traceId(1));
    expect(ids(spans).sort()).toEqual([[2, 10], [2, 13]]);
    const inv = spans.find((s) => s.spanId === spanId(10))!;
    expect(inv).toMatchObject({ service: 'inventory', kind: 2, traceId: traceId(2), attributes: { 'server.port': 3003 } });
    expect(inv.startTimeUnixNano).toBe(BASE_NS + 12n * MS);
    expect(inv.resource.attributes['service.name']).toBe('inventory');
  });

  it('includes the excluded trace id only when asked to, honours the limit and the window', () => {
    expect(ids(reader.rootSpansBetween(BASE_NS, BASE_NS + 20_000n * MS, '')).map(([t]) => t).sort()).toEqual([1, 2, 2, 3]);
    expect(reader.rootSpansBetween(BASE_NS, BASE_NS + 20_000n * MS, '', 1)).toHaveLength(1);
    expect(ids(reader.rootSpansBetween(BASE_NS + 5000n * MS, BASE_NS + 20_000n * MS, ''))).toEqual([[3, 20]]);
  });
});

describe('dependencyInputs', () => {
  it('aggregates cross-service parent → child calls with errors, leaf clients and roots', () => {
    const src = reader.dependencyInputs(BASE_NS - 1n, BASE_NS + 60_000n * MS);
    expect(src.calls.sort((a, b) => a.parent.localeCompare(b.parent))).toEqual([
      { parent: 'frontend', child: 'legacy', callCount: 1, errorCount: 0 },
      { parent: 'inventory', child: 'db-svc', callCount: 1, errorCount: 1 },
    ]);
    expect(ids(src.leafClients)).toEqual([[1, 4]]);
    expect(src.leafClients[0].attributes).toEqual({ 'url.full': 'http://127.0.0.1:3003/items' });
    expect(ids(src.roots).sort()).toEqual([[1, 1], [2, 10], [2, 13], [3, 20]]);
  });

  it('keeps the newest traces when over the limit', () => {
    const src = reader.dependencyInputs(BASE_NS - 1n, BASE_NS + 60_000n * MS, 1);
    expect(ids(src.roots)).toEqual([[3, 20]]);
    expect(src.calls).toEqual([]);
  });
});

describe('query plans', () => {
  it('never scans spans: traces by traces_start, spans by spans_trace_span', () => {
    const big = tempDb();
    try {
      new SqliteSpanWriter(big.db).writeSpans(searchData().records);
      big.db.exec('ANALYZE'); // plans must hold with statistics too
      const plans = new SqliteAnalysisReader(big.db).explain();
      for (const [name, plan] of Object.entries(plans)) {
        expect(plan.filter((l) => /^SCAN (spans|s|c|p|ch)\b/.test(l)), name).toEqual([]);
        expect(plan.some((l) => /USING (COVERING )?INDEX traces_start/.test(l)), name).toBe(true);
        for (const line of plan.filter((l) => /^SEARCH (s|c|p|ch) /.test(l))) {
          expect(line, name).toMatch(/USING (COVERING )?INDEX spans_trace_span \(trace_id=\?/);
        }
      }
      expect(plans.serviceCalls).toContain('SEARCH p USING INDEX spans_trace_span (trace_id=? AND span_id=?)');
    } finally {
      big.close();
    }
  });
});
