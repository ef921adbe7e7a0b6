import { describe, expect, it } from 'vitest';
import { layout, NODE_H, type Layout } from '../../src/web/map/layout.js';

const e = (from: string, to: string) => ({ from, to });
const layerOf = (l: Layout) => Object.fromEntries(l.nodes.map((n) => [n.id, n.layer]));

/** Boxes in one column must not overlap vertically (nor touch). */
function noOverlap(l: Layout): void {
  const columns = new Map<number, typeof l.nodes>();
  for (const n of l.nodes) columns.set(n.x, [...(columns.get(n.x) ?? []), n]);
  for (const col of columns.values()) {
    const sorted = [...col].sort((a, b) => a.y - b.y);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].y).toBeGreaterThanOrEqual(sorted[i - 1].y + NODE_H + 1);
  }
  for (const n of l.nodes) {
    expect(n.x + n.w).toBeLessThanOrEqual(l.width);
    expect(n.y + n.h).toBeLessThanOrEqual(l.height);
  }
}

describe('map layout', () => {
  it('layers by longest path: sources left, each node right of its furthest caller', () => {
    const l = layout({ nodes: [], edges: [e('web', 'api'), e('api', 'db'), e('web', 'db'), e('web', 'cache')] });
    expect(layerOf(l)).toEqual({ web: 0, api: 1, cache: 1, db: 2 });
    const x = Object.fromEntries(l.nodes.map((n) => [n.id, n.x]));
    expect(x.web).toBeLessThan(x.api);
    expect(x.api).toBeLessThan(x.db);
    expect(l.edges.every((edge) => !edge.back)).toBe(true);
    noOverlap(l);
  });

  it('breaks cycles: the edge closing the loop is drawn back, the rest still flows right', () => {
    const l = layout({ nodes: [], edges: [e('gw', 'a'), e('a', 'b'), e('b', 'a'), e('b', 'b')] });
    expect(layerOf(l)).toEqual({ gw: 0, a: 1, b: 2 });
    expect(l.edges.map((edge) => [edge.from, edge.to, edge.back])).toEqual([
      ['gw', 'a', false], ['a', 'b', false], ['b', 'a', true], ['b', 'b', true],
    ]);
    expect(l.height).toBeGreaterThan(Math.max(...l.nodes.map((n) => n.y + n.h)) + 40); // room for the loops
  });

  it('lays out a graph that is one big cycle (no source) without hanging', () => {
    const l = layout({ nodes: [], edges: [e('a', 'b'), e('b', 'c'), e('c', 'a')] });
    expect(layerOf(l)).toEqual({ a: 0, b: 1, c: 2 });
  });

  it('orders a layer by its callers (barycentre): no needless crossing', () => {
    // Name order would put x1 above y1 while x1's caller (z) sits below y1's caller (a).
    const l = layout({ nodes: [], edges: [e('a', 'y1'), e('z', 'x1'), e('a', 'y2')] });
    const y = Object.fromEntries(l.nodes.map((n) => [n.id, n.y]));
    expect(y.a).toBeLessThan(y.z);
    expect(y.y1).toBeLessThan(y.x1);
    expect(y.y2).toBeLessThan(y.x1);
    noOverlap(l);
  });

  it('keeps isolated nodes and parallel edges apart', () => {
    const l = layout({ nodes: ['lonely'], edges: [e('a', 'b'), e('a', 'b')] });
    expect(l.nodes.map((n) => n.id).sort()).toEqual(['a', 'b', 'lonely']);
    expect(l.edges[0].d).not.toBe(l.edges[1].d);
    expect(l.edges[0].label).not.toEqual(l.edges[1].label);
    noOverlap(l);
  });

  it('is stable: the same graph in any input order gives the same picture', () => {
    const edges = [e('web', 'api'), e('api', 'db'), e('api', 'cache'), e('web', 'auth'), e('auth', 'db'), e('legacy', 'inventory')];
    const a = layout({ nodes: [], edges });
    const b = layout({ nodes: [], edges: [...edges].reverse() });
    const norm = (l: Layout) => ({ nodes: [...l.nodes].sort((p, q) => (p.id < q.id ? -1 : 1)), edges: [...l.edges].sort((p, q) => (p.d < q.d ? -1 : 1)) });
    expect(norm(b)).toEqual(norm(a));
    expect(layout({ nodes: [], edges })).toEqual(a);
    noOverlap(a);
  });

  it('an empty graph is an empty picture', () => {
    expect(layout({ nodes: [], edges: [] })).toMatchObject({ nodes: [], edges: [] });
  });
});
