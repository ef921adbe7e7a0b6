import { describe, expect, it } from 'vitest';
import { layout, NODE_H, type EdgePath, type Layout } from '../../src/web/map/layout.js';

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

/** The cubic segments of a path made of one M and C commands only, as [x0, y0, c1x, c1y, c2x, c2y, x1, y1]. */
function cubics(d: string): number[][] {
  const m = /^M(-?[\d.]+),(-?[\d.]+)((?: C[^C]+)+)$/.exec(d);
  expect(m, d).not.toBeNull();
  let at = [Number(m![1]), Number(m![2])];
  return m![3].trim().split(/\s*C/).filter(Boolean).map((c) => {
    const n = c.trim().split(/[ ,]/).map(Number);
    expect(n).toHaveLength(6);
    const seg = [...at, ...n];
    at = n.slice(4);
    return seg;
  });
}

/** Points along the path, 20 per segment. */
function samples(d: string): Array<[number, number]> {
  const steps = Array.from({ length: 21 }, (_, i) => i / 20);
  return cubics(d).flatMap(([x0, y0, ax, ay, bx, by, x1, y1]) => steps.map((t): [number, number] => {
    const [p, q, r, s] = [(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3];
    return [p * x0 + q * ax + r * bx + s * x1, p * y0 + q * ay + r * by + s * y1];
  }));
}

/** A forward edge nowhere inside (or within `margin` of) a box other than its own two ends; its label neither. */
function clearOfBoxes(l: Layout, edge: EdgePath, margin = 6): void {
  const others = l.nodes.filter((n) => n.id !== edge.from && n.id !== edge.to);
  const inside = ([x, y]: [number, number], pad: number) =>
    others.find((n) => x > n.x - pad && x < n.x + n.w + pad && y > n.y - pad && y < n.y + n.h + pad)?.id;
  for (const p of samples(edge.d)) expect(inside(p, margin), `${edge.from} → ${edge.to} at ${p}`).toBeUndefined();
  expect(inside([edge.label.x, edge.label.y], 9), `label of ${edge.from} → ${edge.to}`).toBeUndefined();
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

  it('routes an edge that skips a layer around the box in between, not behind it', () => {
    // All three would sit on one row: frontend → inventory drawn straight would pass through checkout.
    const edges = [e('frontend', 'checkout'), e('checkout', 'inventory'), e('frontend', 'inventory')];
    const l = layout({ nodes: [], edges });
    expect(layerOf(l)).toEqual({ frontend: 0, checkout: 1, inventory: 2 });
    const long = l.edges[2];
    expect(cubics(long.d)).toHaveLength(3); // gap, through layer 1's lane, gap
    for (const edge of l.edges) clearOfBoxes(l, edge);
    const checkout = l.nodes.find((n) => n.id === 'checkout')!;
    // Its label is on the middle segment, level with the lane, in checkout's column.
    expect(long.label.x).toBe(checkout.x + checkout.w / 2);
    const lane = cubics(long.d)[1];
    expect([lane[1], lane[7]]).toEqual([long.label.y, long.label.y]);
    noOverlap(l);
  });

  it('gives a long edge a lane in every layer it skips, and draws it smooth and flowing right', () => {
    const edges = [
      e('frontend', 'checkout'), e('checkout', 'payments'), e('payments', 'ledger'), e('frontend', 'ledger'),
      e('frontend', 'inventory'), e('inventory', 'postgres'), e('frontend', 'postgres'), e('checkout', 'cache'),
    ];
    const l = layout({ nodes: [], edges });
    expect(layerOf(l)).toMatchObject({ frontend: 0, checkout: 1, payments: 2, ledger: 3, postgres: 2 });
    for (const edge of l.edges) {
      clearOfBoxes(l, edge);
      const segs = cubics(edge.d);
      for (const [x0, y0, ax, ay, bx, by, x1, y1] of segs) {
        expect([x0 <= ax, ax <= bx, bx <= x1]).toEqual([true, true, true]); // never doubles back
        expect([ay, by]).toEqual([y0, y1]); // level tangents at each joint: one smooth line through the lanes
      }
    }
    expect(cubics(l.edges[3].d)).toHaveLength(5); // frontend → ledger skips two layers
    noOverlap(l);
  });

  it('keeps parallel long edges apart in their shared lanes, and back edges as loops', () => {
    const l = layout({ nodes: [], edges: [e('a', 'b'), e('b', 'c'), e('a', 'c'), e('a', 'c'), e('c', 'a')] });
    const [first, second, back] = l.edges.slice(2);
    expect(first.d).not.toBe(second.d);
    expect(first.label).not.toEqual(second.label);
    for (const edge of [first, second]) clearOfBoxes(l, edge);
    expect(back.back).toBe(true);
    expect(cubics(back.d)).toHaveLength(1); // the loop under the row, as before
    noOverlap(l);
  });

  it('lays out long edges the same way every time, whatever the input order', () => {
    const edges = [e('gw', 'a'), e('a', 'b'), e('b', 'c'), e('gw', 'c'), e('gw', 'b'), e('a', 'c')];
    edges.push(e('x', 'c'), e('x', 'y'), e('c', 'gw'));
    const one = layout({ nodes: [], edges });
    const norm = (l: Layout) => ({ ...l, edges: [...l.edges].sort((p, q) => (p.d < q.d ? -1 : 1)) });
    expect(norm(layout({ nodes: [], edges: [...edges].reverse() }))).toEqual(norm(one));
    expect(layout({ nodes: [], edges })).toEqual(one);
    for (const edge of one.edges.filter((x) => !x.back)) clearOfBoxes(one, edge);
    noOverlap(one);
  });

  it('keeps every forward edge clear of the boxes in generated graphs', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let g = 0; g < 40; g++) {
      const names = Array.from({ length: 4 + rand(6) }, (_, i) => `s${i}`);
      // Edges from lower to higher index only: every edge flows right, many skip layers.
      const edges = Array.from({ length: names.length + rand(8) }, () => {
        const i = rand(names.length - 1);
        return e(names[i], names[i + 1 + rand(names.length - 1 - i)]);
      });
      const l = layout({ nodes: [], edges });
      for (const edge of l.edges) clearOfBoxes(l, edge);
      noOverlap(l);
    }
  });

  it('an empty graph is an empty picture', () => {
    expect(layout({ nodes: [], edges: [] })).toMatchObject({ nodes: [], edges: [] });
  });
});
