import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/analysis/index.js';
import { flameLayout } from '../../src/analysis/flame.js';
import { spanLabel } from '../../src/analysis/span-name.js';
import { sortStats, traceStats } from '../../src/analysis/trace-stats.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

/** frontend → checkout → three sequential inventory GETs (one failed) and a DB call, plus two concurrent calls. */
const CHECKOUT: SpanSpec[] = [
  { id: 'fe', service: 'frontend', name: 'GET /checkout', kind: 'server', start: 0, end: 200 },
  { id: 'fc', parent: 'fe', service: 'frontend', name: 'POST', kind: 'client', start: 5, end: 195 },
  { id: 'co', parent: 'fc', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 10, end: 190 },
  { id: 'i1', parent: 'co', service: 'inventory', name: 'GET /items/:id', kind: 'server', start: 20, end: 40 },
  { id: 'i2', parent: 'co', service: 'inventory', name: 'GET /items/:id', kind: 'server', start: 45, end: 95, error: true },
  { id: 'i3', parent: 'co', service: 'inventory', name: 'GET /items/:id', kind: 'server', start: 100, end: 110 },
  { id: 'db', parent: 'co', service: 'checkout', name: 'SELECT', kind: 'client', start: 120, end: 180, attrs: { 'server.address': 'db' } },
  { id: 'a1', parent: 'i2', service: 'inventory', name: 'cache', start: 50, end: 90 },
  { id: 'a2', parent: 'i2', service: 'inventory', name: 'cache', start: 50, end: 70 },
];

function setup(specs: SpanSpec[]) {
  const tree = buildTree(spans(...specs));
  const analysis = analyzeTrace(tree, []);
  return { tree, analysis, stats: traceStats(tree, analysis) };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('traceStats', () => {
  it('counts, times and errors per service and operation, Jaeger-style', () => {
    const { stats } = setup(CHECKOUT);
    const items = stats.operations.find((r) => r.service === 'inventory' && r.operation === 'GET /items/:id')!;
    expect(items).toMatchObject({ count: 3, totalMs: 80, minMs: 10, maxMs: 50, errors: 1 });
    expect(items.avgMs).toBeCloseTo(80 / 3, 9);
    // i2 is 50 ms with children covering 50–90 (40 ms): 10 ms self; i1 20, i3 10.
    expect(items.selfMs).toBeCloseTo(40, 9);
    const cache = stats.operations.find((r) => r.operation === 'cache')!;
    expect(cache).toMatchObject({ count: 2, totalMs: 60, minMs: 20, maxMs: 40, errors: 0 });
    const inventory = stats.services.find((r) => r.service === 'inventory')!;
    expect(inventory).toMatchObject({ operation: '', count: 5, totalMs: 140, errors: 1 });
    expect(stats.services.map((r) => r.count).reduce((a, b) => a + b)).toBe(CHECKOUT.length);
  });

  it('has exactly the analysis numbers: self time per span and the critical path, summed', () => {
    const { analysis, stats, tree } = setup(CHECKOUT);
    for (const row of stats.operations) {
      const ids = [...tree.nodes.values()].filter((n) => n.span.service === row.service && spanLabel(n) === row.operation).map((n) => n.span.spanId);
      expect(row.selfMs).toBeCloseTo(sum(ids.map((id) => analysis.selfTimeMs[id])), 9);
      expect(row.criticalMs).toBeCloseTo(sum(analysis.criticalPath.filter((p) => ids.includes(p.spanId)).map((p) => p.ms)), 9);
      expect(row.criticalShare).toBeCloseTo(row.criticalMs / analysis.durationMs, 12);
    }
    // Every span's self time and every segment of the path is in exactly one row.
    expect(sum(stats.operations.map((r) => r.selfMs))).toBeCloseTo(sum(Object.values(analysis.selfTimeMs)), 9);
    expect(sum(stats.services.map((r) => r.criticalMs)) + stats.untracedCriticalMs).toBeCloseTo(analysis.durationMs, 9);
    // The DB call is on the path for its whole 60 ms; i2's concurrent cache lookups only the longer one.
    expect(stats.operations.find((r) => r.operation === 'SELECT → db')!.criticalMs).toBeCloseTo(60, 9);
    expect(stats.operations.find((r) => r.operation === 'cache')!.criticalMs).toBeCloseTo(40, 9);
  });

  it('counts the untraced gap of a trace with two roots apart, so the path still adds up', () => {
    const { analysis, stats } = setup([
      { id: 'r1', service: 'a', start: 0, end: 10 },
      { id: 'r2', service: 'b', start: 30, end: 40 },
    ]);
    expect(stats.untracedCriticalMs).toBeCloseTo(20, 9);
    expect(sum(stats.services.map((r) => r.criticalMs)) + stats.untracedCriticalMs).toBeCloseTo(analysis.durationMs, 9);
  });

  it('names calls by whom they called, so calls to different services are different rows', () => {
    const { stats } = setup([
      { id: 'r', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 0, end: 100 },
      { id: 'p1', parent: 'r', service: 'checkout', name: 'GET', kind: 'client', start: 1, end: 40, attrs: { 'peer.service': 'pricing-api', 'server.address': '10.0.0.9' } },
      { id: 'p2', parent: 'r', service: 'checkout', name: 'GET', kind: 'client', start: 41, end: 60, attrs: { 'server.address': 'inventory.internal', 'server.port': 8080 } },
      { id: 'i', parent: 'p2', service: 'inventory', name: 'GET /items/{id}', kind: 'server', start: 42, end: 59 },
      { id: 'p3', parent: 'r', service: 'checkout', name: 'GET', kind: 'client', start: 61, end: 70, attrs: { 'server.address': 'cdn.example', 'server.port': 443 } },
      { id: 'p4', parent: 'r', service: 'checkout', name: 'GET', kind: 'client', start: 71, end: 80, attrs: { 'server.address': 'cdn.example', 'server.port': 443 } },
    ]);
    const calls = stats.operations.filter((r) => r.spanName === 'GET').map((r) => [r.operation, r.count]);
    expect(calls.sort()).toEqual([['GET → cdn.example:443', 2], ['GET → inventory', 1], ['GET → pricing-api', 1]]);
  });

  it('sorts by any column, both ways, with ties by name', () => {
    const { stats } = setup(CHECKOUT);
    const byCount = sortStats(stats.operations, 'count', 'desc');
    expect(byCount[0].operation).toBe('GET /items/:id');
    expect(byCount.map((r) => r.count)).toEqual([...byCount.map((r) => r.count)].sort((a, b) => b - a));
    const ones = byCount.filter((r) => r.count === 1).map((r) => `${r.service} ${r.operation}`);
    expect(ones).toEqual([...ones].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(sortStats(stats.operations, 'operation', 'asc').map((r) => r.operation)[0]).toBe('cache');
    expect(sortStats(stats.operations, 'maxMs', 'asc').at(-1)!.operation).toBe('GET /checkout');
  });

  it('answers an empty table for an empty trace', () => {
    const { stats } = setup([]);
    expect(stats).toEqual({ durationMs: 0, services: [], operations: [], untracedCriticalMs: 0 });
  });
});

describe('flameLayout', () => {
  it('makes each box as wide as its subtree\'s self time, children inside their parent in start order', () => {
    const { tree, analysis } = setup(CHECKOUT);
    const f = flameLayout(tree, analysis.selfTimeMs, { minWidth: 0 });
    expect(f.boxes).toHaveLength(CHECKOUT.length);
    expect(f.totalMs).toBeCloseTo(sum(Object.values(analysis.selfTimeMs)), 9);
    const box = new Map(f.boxes.map((b) => [b.spanId, b]));
    expect(box.get('fe')).toMatchObject({ x: 0, w: 1, depth: 0 });
    for (const b of f.boxes) {
      const s = tree.nodes.get(b.spanId)!;
      expect(b.depth).toBe(s.depth);
      expect(b.w).toBeCloseTo(b.totalMs / f.totalMs, 12);
      if (!s.parent) continue;
      const p = box.get(s.parent.span.spanId)!;
      expect(b.x).toBeGreaterThanOrEqual(p.x - 1e-12);
      expect(b.x + b.w).toBeLessThanOrEqual(p.x + p.w + 1e-12);
    }
    // Siblings left to right in start order, touching; the parent's own time is at its right end.
    const kids = ['i1', 'i2', 'i3', 'db'].map((id) => box.get(id)!);
    for (let i = 1; i < kids.length; i++) expect(kids[i].x).toBeCloseTo(kids[i - 1].x + kids[i - 1].w, 12);
    const co = box.get('co')!;
    expect(co.x + co.w - (kids[3].x + kids[3].w)).toBeCloseTo(co.selfMs / f.totalMs, 12);
    // Concurrent children side by side: i2's box holds 10 ms self + 40 + 20 ms, wider than its 50 ms span.
    expect(box.get('i2')!.totalMs).toBeCloseTo(70, 9);
    expect(f.rows).toBe(5);
    expect(f.ancestors).toEqual([]);
  });

  it('zooms: the focused span is the full width, its ancestors listed, the rest left out', () => {
    const { tree, analysis } = setup(CHECKOUT);
    const f = flameLayout(tree, analysis.selfTimeMs, { focus: 'i2', minWidth: 0 });
    expect(f.boxes.map((b) => b.spanId)).toEqual(['i2', 'a1', 'a2']);
    expect(f.boxes[0]).toMatchObject({ x: 0, w: 1, depth: 0 });
    expect(f.ancestors.map((a) => a.spanId)).toEqual(['fe', 'fc', 'co']);
    expect(f.totalMs).toBeCloseTo(70, 9);
  });

  it('leaves out boxes narrower than minWidth and counts what it left out', () => {
    const specs: SpanSpec[] = [{ id: 'root', service: 's', start: 0, end: 1000 }];
    for (let i = 0; i < 2000; i++) specs.push({ id: `c${i}`, parent: 'root', service: 's', start: i * 0.4, end: i * 0.4 + 0.01 });
    specs.push({ id: 'big', parent: 'root', service: 's', start: 900, end: 990 }, { id: 'bigkid', parent: 'big', service: 's', start: 901, end: 902 });
    const { tree, analysis } = setup(specs);
    const f = flameLayout(tree, analysis.selfTimeMs);
    expect(f.boxes.map((b) => b.spanId).sort()).toEqual(['big', 'root']);
    expect(f.hidden).toBe(2001);
  });
});
