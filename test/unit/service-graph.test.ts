import { describe, expect, it } from 'vitest';
import { callTargetOf, serverAddressOf } from '../../src/model/semconv.js';
import type { Span } from '../../src/model/span.js';
import { EdgeKind, ServiceGraph, type GraphEdge, type GraphSpan } from '../../src/store/service-graph.js';
import { legacyScenario, span } from '../fixtures/propagation-spans.js';

/** A stored span as the writer hands it to the graph. */
function g(s: Span, traceRef = 1): GraphSpan {
  const get = (k: string) => s.attributes[k];
  const out: GraphSpan = {
    trace: s.traceId, traceRef, spanId: s.spanId, parentSpanId: s.parentSpanId, service: s.service, kind: s.kind,
    startNs: s.startTimeUnixNano, endNs: s.endTimeUnixNano, error: s.error,
  }; // prettier-ignore
  if (s.kind === 3 || s.kind === 4) out.target = callTargetOf(get);
  if (s.kind === 2 || s.kind === 5) {
    const d = s.attributes['messaging.destination.name'];
    out.reached = { ...serverAddressOf(get), destination: typeof d === 'string' ? d : undefined };
  }
  return out;
}

/** Edges summed over minutes, as /api/dependencies shows them. */
function edges(list: GraphEdge[]) {
  const sum = new Map<string, { parent: string; child: string; kind: number; calls: number; errors: number }>();
  for (const e of list) {
    const k = `${e.parent}>${e.child}>${e.kind}`;
    const row = sum.get(k) ?? { parent: e.parent, child: e.child, kind: e.kind, calls: 0, errors: 0 };
    row.calls += e.calls;
    row.errors += e.errors;
    sum.set(k, row);
  }
  return [...sum.values()].sort((a, b) => `${a.parent}>${a.child}>${a.kind}`.localeCompare(`${b.parent}>${b.child}>${b.kind}`));
}

const GRACE = 6_000;

describe('ServiceGraph', () => {
  it('counts calls, uninstrumented callees and a call that lost its trace, whatever order the halves arrive in', () => {
    for (const order of ['callers first', 'callees first']) {
      const graph = new ServiceGraph({ graceMs: GRACE });
      const { trace1, trace2 } = legacyScenario();
      const [first, second] = order === 'callers first' ? [trace1, trace2] : [trace2, trace1];
      graph.add(first.map((s) => g(s)), 0);
      graph.add(second.map((s) => g(s)), 1_000);
      expect(graph.take().edges.map((e) => e.kind), order).toEqual([EdgeKind.CALL]); // frontend → legacy, at once
      graph.expire(1_000 + GRACE + 1_000);
      expect(edges(graph.take().edges), order).toEqual([
        { parent: 'inventory', child: 'db.internal:5432', kind: EdgeKind.UNINSTRUMENTED, calls: 1, errors: 0 },
        { parent: 'legacy', child: 'inventory', kind: EdgeKind.BROKEN, calls: 1, errors: 0 },
      ]);
    }
  });

  it('waits for the grace period before calling an unanswered call uninstrumented', () => {
    const graph = new ServiceGraph({ graceMs: GRACE });
    const { trace2 } = legacyScenario();
    graph.add(trace2.map((s) => g(s)), 0);
    graph.expire(GRACE);
    expect(graph.take().edges).toEqual([]);
    expect(graph.waiting).toBe(1);
    graph.expire(GRACE + 1_001);
    expect(edges(graph.take().edges)).toEqual([{ parent: 'inventory', child: 'db.internal:5432', kind: EdgeKind.UNINSTRUMENTED, calls: 1, errors: 0 }]);
    expect(graph.waiting).toBe(0);
  });

  it('counts errors per edge: a failed uninstrumented call and a failed broken callee', () => {
    const graph = new ServiceGraph({ graceMs: GRACE });
    const attributes = { 'server.address': '127.0.0.1', 'server.port': 3003 };
    const clients = [0, 200, 400].map((t, i) =>
      span({ trace: 10 + i, id: `c${i}`, service: 'legacy', kind: 3, start: t, duration: 20, attributes, statusCode: i === 2 ? 2 : 0 }),
    );
    const callee = span({ trace: 20, id: 's', service: 'inventory', kind: 2, start: 202, duration: 5,
      attributes: { 'server.port': 3003, 'http.response.status_code': 503 } }); // prettier-ignore
    graph.add([...clients, callee].map((s, i) => g(s, i + 1)), 0);
    graph.expire(60_000);
    expect(edges(graph.take().edges)).toEqual([
      { parent: 'legacy', child: '127.0.0.1:3003', kind: EdgeKind.UNINSTRUMENTED, calls: 2, errors: 1 },
      { parent: 'legacy', child: 'inventory', kind: EdgeKind.BROKEN, calls: 1, errors: 1 },
    ]);
  });

  it('never matches a call with a root of its own trace, and skips calls without a target', () => {
    const graph = new ServiceGraph({ graceMs: GRACE });
    const client = span({ trace: 1, id: 'c', service: 'a', kind: 3, start: 1, duration: 5, attributes: { 'peer.service': 'a' } });
    const ownRoot = span({ trace: 1, id: 'r', service: 'a', kind: 2, start: 0, duration: 10 });
    const bare = span({ trace: 2, id: 'b', service: 'a', kind: 3, start: 0, duration: 5 });
    graph.add([g(client), g(ownRoot), g(bare, 2)], 0);
    graph.expire(60_000);
    expect(edges(graph.take().edges)).toEqual([{ parent: 'a', child: 'a', kind: EdgeKind.UNINSTRUMENTED, calls: 1, errors: 0 }]);
  });

  it('reports root and orphaned SERVER spans as entry spans, and looks up a parent stored before its child', () => {
    const looked: string[] = [];
    const graph = new ServiceGraph({
      graceMs: GRACE,
      parentOf: (_ref, id) => (looked.push(id), id === span({ trace: 5, id: 'p', service: 'x', start: 0, duration: 1 }).spanId ? { service: 'web' } : undefined),
    });
    const root = span({ trace: 4, id: 'root', service: 'api', kind: 2, start: 0, duration: 10 });
    const orphan = span({ trace: 6, id: 'o', parent: 'gone', service: 'api', kind: 2, start: 0, duration: 10 });
    const late = span({ trace: 5, id: 'child', parent: 'p', service: 'api', kind: 2, start: 0, duration: 10 });
    graph.add([g(root), g(orphan, 2), g(late, 3)], 0);
    expect(graph.take().entries.map((e) => e.spanId)).toEqual([root.spanId]);
    graph.expire(GRACE + 1);
    const found = graph.take();
    expect(found.entries.map((e) => e.spanId)).toEqual([orphan.spanId]);
    expect(edges(found.edges)).toEqual([{ parent: 'web', child: 'api', kind: EdgeKind.CALL, calls: 1, errors: 0 }]);
    expect(looked).toHaveLength(2);
  });

  it('stays within its memory bound, deciding the oldest early and counting them', () => {
    const graph = new ServiceGraph({ graceMs: GRACE, maxWaiting: 10 });
    const calls = Array.from({ length: 25 }, (_, i) =>
      span({ trace: 100 + i, id: `c${i}`, service: 'a', kind: 3, start: i, duration: 1, attributes: { 'peer.service': 'b' } }),
    );
    for (const c of calls) graph.add([g(c)], 0);
    expect(graph.waiting).toBe(10);
    expect(graph.decidedEarly).toBe(15);
    expect(edges(graph.take().edges)).toEqual([{ parent: 'a', child: 'b', kind: EdgeKind.UNINSTRUMENTED, calls: 15, errors: 0 }]);
  });
});
