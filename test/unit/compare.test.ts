import { describe, expect, it } from 'vitest';
import { classifyChange, compareTraces, type ComparedSpan } from '../../src/analysis/compare.js';
import { resultView, MAX_ROWS } from '../../src/web/compare/view.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

// frontend → checkout → three calls to inventory, one after another.
const checkout = (inv: [number, number, number], extra: SpanSpec[] = []) =>
  spans(
    { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 100 },
    { id: 'co', parent: 'fe', service: 'checkout', name: 'GET /checkout', kind: 'server', start: 5, end: 95 },
    { id: 'i1', parent: 'co', service: 'inventory', name: 'GET /items/{id}', start: 10, end: 10 + inv[0] },
    { id: 'i2', parent: 'co', service: 'inventory', name: 'GET /items/{id}', start: 40, end: 40 + inv[1] },
    { id: 'i3', parent: 'co', service: 'inventory', name: 'GET /items/{id}', start: 70, end: 70 + inv[2] },
    ...extra,
  );

const byPath = (rows: ComparedSpan[], path: string) => {
  const row = rows.find((r) => r.path === path);
  if (!row) throw new Error(`no row ${path}; rows: ${rows.map((r) => r.path).join(' | ')}`);
  return row;
};

describe('compareTraces', () => {
  it('aligns identical traces span for span, repeated calls in order', () => {
    const c = compareTraces(checkout([20, 20, 20]), checkout([20, 20, 20]));
    expect(c.rows.map((r) => r.path)).toEqual([
      'frontend:GET /',
      'frontend:GET / > checkout:GET /checkout',
      'frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}',
      'frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}#2',
      'frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}#3',
    ]);
    expect(c.rows.map((r) => r.depth)).toEqual([0, 1, 2, 2, 2]);
    expect(c).toMatchObject({ matched: 5, onlyA: 0, onlyB: 0, deltaMs: 0, deltaPct: 0, sameRoot: true, regressions: [], improvements: [] });
    expect(c.rows.every((r) => r.presence === 'both' && r.change === 'same' && r.deltaMs === 0)).toBe(true);
  });

  it('measures each aligned pair: B − A in ms and %, and ranks the biggest regressions first', () => {
    const c = compareTraces(checkout([20, 20, 20]), checkout([20, 50, 25]));
    const p = 'frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}';
    expect(byPath(c.rows, `${p}#2`)).toMatchObject({ deltaMs: 30, deltaPct: 150, change: 'slower', occurrence: 2 });
    expect(byPath(c.rows, `${p}#2`).a).toMatchObject({ spanId: 'i2', durationMs: 20, offsetMs: 40, error: false, orphan: false });
    expect(byPath(c.rows, `${p}#3`)).toMatchObject({ deltaMs: 5, deltaPct: 25, change: 'slower' });
    expect(byPath(c.rows, p).change).toBe('same');
    expect(c.regressions.map((r) => r.path)).toEqual([`${p}#2`, `${p}#3`]);
    expect(c.improvements).toEqual([]);
  });

  it('lists faster spans as improvements, largest decrease first', () => {
    const c = compareTraces(checkout([40, 20, 30]), checkout([20, 20, 10]));
    expect(c.improvements.map((r) => [r.occurrence, r.deltaMs])).toEqual([[1, -20], [3, -20]]);
    expect(c.improvements[0].deltaPct).toBe(-50);
    expect(c.regressions).toEqual([]);
  });

  it('counts a change only past both thresholds (10 % and 5 ms)', () => {
    expect(classifyChange(100, 5)).toBe('same'); // 5 ms but 5 %
    expect(classifyChange(2, 0.5)).toBe('same'); // 25 % but half a millisecond
    expect(classifyChange(20, 4.9)).toBe('same'); // 24 % but under 5 ms: loopback jitter
    expect(classifyChange(534, 10)).toBe('same'); // the demo's ±10 ms jitter on its 534 ms call
    expect(classifyChange(534, -10)).toBe('same');
    expect(classifyChange(40, 5)).toBe('slower'); // exactly both bars: 12.5 % and 5 ms
    expect(classifyChange(100, 15)).toBe('slower');
    expect(classifyChange(100, -15)).toBe('faster');
    expect(classifyChange(0, 6)).toBe('slower'); // from nothing to 6 ms
    expect(classifyChange(0, 3)).toBe('same'); // from nothing to 3 ms: under 5 ms
  });

  it('flags spans found in only one trace, with their whole subtree', () => {
    const extraA = [
      { id: 'pay', parent: 'co', service: 'payments', name: 'POST /charge', start: 90, end: 94 },
      { id: 'db', parent: 'pay', service: 'payments', name: 'SELECT', start: 91, end: 92 },
    ];
    const extraB = [{ id: 'cache', parent: 'co', service: 'checkout', name: 'cache get', start: 6, end: 7 }];
    const c = compareTraces(checkout([20, 20, 20], extraA), checkout([20, 20, 0], extraB).filter((s) => s.spanId !== 'i3'));
    const p = 'frontend:GET / > checkout:GET /checkout';
    expect(byPath(c.rows, `${p} > payments:POST /charge`)).toMatchObject({ presence: 'only-a', b: undefined, deltaMs: undefined, change: 'none' });
    expect(byPath(c.rows, `${p} > payments:POST /charge > payments:SELECT`).presence).toBe('only-a');
    expect(byPath(c.rows, `${p} > inventory:GET /items/{id}#3`).presence).toBe('only-a');
    expect(byPath(c.rows, `${p} > checkout:cache get`)).toMatchObject({ presence: 'only-b', a: undefined });
    expect(c).toMatchObject({ matched: 4, onlyA: 3, onlyB: 1 });
    // B's extra call started first under checkout, so it is listed first among checkout's children.
    expect(c.rows.findIndex((r) => r.name === 'cache get')).toBe(2);
  });

  it('summarises each side: duration, span and error counts, root, start', () => {
    const b = checkout([20, 20, 20]).map((s) => (s.spanId === 'i3' ? { ...s, statusCode: 2, error: true } : s));
    const c = compareTraces(checkout([20, 20, 20]), b);
    expect(c.a).toMatchObject({ spanCount: 5, durationMs: 100, errorCount: 0, rootService: 'frontend', rootName: 'GET /' });
    expect(c.b.errorCount).toBe(1);
    expect(byPath(c.rows, 'frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}#3').b?.error).toBe(true);
    expect(c.a.startNs).toBe(b[0].startTimeUnixNano);
  });

  it('handles empty traces on either side or both', () => {
    const none = compareTraces([], []);
    expect(none).toMatchObject({ rows: [], matched: 0, onlyA: 0, onlyB: 0, deltaMs: 0, deltaPct: undefined, sameRoot: true });
    expect(none.a).toMatchObject({ spanCount: 0, durationMs: 0, rootService: '', startNs: 0n });
    const onlyB = compareTraces([], checkout([1, 1, 1]));
    expect(onlyB).toMatchObject({ onlyA: 0, onlyB: 5, matched: 0, sameRoot: false, deltaPct: undefined, deltaMs: 100 });
  });

  it('aligns nothing under different roots, and says so', () => {
    const other = spans(
      { id: 'r', service: 'frontend', name: 'GET /cart', start: 0, end: 30 },
      { id: 'co', parent: 'r', service: 'checkout', name: 'GET /checkout', start: 1, end: 29 },
    );
    const c = compareTraces(checkout([1, 1, 1]), other);
    expect(c.sameRoot).toBe(false);
    expect(c).toMatchObject({ matched: 0, onlyA: 5, onlyB: 2 });
    expect(byPath(c.rows, 'frontend:GET /cart > checkout:GET /checkout').presence).toBe('only-b');
  });

  it('keeps orphans at the top level, aligned with the same orphan on the other side', () => {
    const orphan = { id: 'o', parent: 'gone', service: 'legacy', name: 'GET /legacy', start: 50, end: 60 };
    const c = compareTraces(checkout([1, 1, 1], [orphan]), checkout([1, 1, 1], [{ ...orphan, end: 80 }]));
    const row = byPath(c.rows, 'legacy:GET /legacy');
    expect(row).toMatchObject({ depth: 0, presence: 'both', deltaMs: 20, change: 'slower' });
    expect(row.a?.orphan).toBe(true);
    // The orphan started after frontend's root, so it comes after frontend's subtree.
    expect(c.rows.at(-1)?.path).toBe('legacy:GET /legacy');
  });

  it('does not confuse names that contain the path separators', () => {
    const a = spans(
      { id: 'r', service: 'svc', name: 'a#2', start: 0, end: 10 },
      { id: 's', service: 'svc', name: 'a', start: 1, end: 9 },
    );
    const b = spans(
      { id: 'r', service: 'svc', name: 'a', start: 0, end: 10 },
      { id: 's', service: 'svc', name: 'a', start: 1, end: 9 },
    );
    const c = compareTraces(a, b);
    expect(c.rows.filter((r) => r.presence === 'both')).toHaveLength(1);
    expect(c).toMatchObject({ onlyA: 1, onlyB: 1 });
  });

  it('pairs client calls by whom they called, so GETs to two services do not cross', () => {
    // A: two GETs to inventory, then one to pricing (known only from its peer attribute). B skipped one inventory call.
    const call = (id: string, start: number, end: number, callee?: string): SpanSpec[] => [
      { id, parent: 'r', service: 'checkout', name: 'GET', kind: 'client', start, end, attrs: callee ? {} : { 'service.peer.name': 'pricing-api' } },
      ...(callee ? [{ id: `${id}s`, parent: id, service: callee, name: 'GET /items', kind: 'server' as const, start: start + 1, end: end - 1 }] : []),
    ];
    const root: SpanSpec = { id: 'r', service: 'checkout', name: 'GET /checkout', kind: 'server', start: 0, end: 100 };
    const a = spans(root, ...call('c1', 1, 10, 'inventory'), ...call('c2', 11, 20, 'inventory'), ...call('c3', 21, 90));
    const b = spans(root, ...call('c1', 1, 10, 'inventory'), ...call('c3', 11, 60));
    const c = compareTraces(a, b);
    expect(byPath(c.rows, 'checkout:GET /checkout > checkout:GET → pricing-api')).toMatchObject({ presence: 'both', callee: 'pricing-api', deltaMs: -20 });
    expect(byPath(c.rows, 'checkout:GET /checkout > checkout:GET → inventory#2')).toMatchObject({ presence: 'only-a', callee: 'inventory' });
    expect(byPath(c.rows, 'checkout:GET /checkout > checkout:GET → inventory > inventory:GET /items').presence).toBe('both');
    expect(byPath(c.rows, 'checkout:GET /checkout').callee).toBe('');
  });

  it('aligns two 10,000-span traces quickly, and the page shows a bounded number of rows', () => {
    const big = (slow: number) =>
      spans(
        { id: 'r', service: 'batch', name: 'run', start: 0, end: 20_000 },
        ...Array.from({ length: 9_999 }, (_, i) => ({ id: `s${i}`, parent: i % 10 === 0 ? 'r' : `s${i - (i % 10)}`, service: 'worker', name: `step ${i % 10}`, start: i, end: i + 1 + (i === 5 ? slow : 0) })),
      );
    const t0 = performance.now();
    const c = compareTraces(big(0), big(30));
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(c).toMatchObject({ matched: 10_000, onlyA: 0, onlyB: 0 });
    expect(c.regressions).toHaveLength(1);
    const view = resultView({ a: 'a'.repeat(32), b: 'b'.repeat(32) }, c);
    expect(view.rows).toHaveLength(MAX_ROWS);
    expect(view.hiddenRows).toBe(10_000 - MAX_ROWS);
  });
});
