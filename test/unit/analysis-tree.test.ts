import { describe, expect, it } from 'vitest';
import { buildTree } from '../../src/analysis/tree.js';
import type { TraceTree } from '../../src/analysis/types.js';
import { ns, span, spans } from '../fixtures/analysis-spans.js';

const kinds = (t: TraceTree) => t.warnings.map((w) => w.kind);
const ids = (list: Array<{ span: { spanId: string } }>) => list.map((n) => n.span.spanId);

describe('buildTree', () => {
  it('builds a simple chain with depths, sorted children and trace bounds', () => {
    const t = buildTree(spans(
      { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 100 },
      { id: 'c2', parent: 'fe', service: 'frontend', kind: 'client', start: 40, end: 90 },
      { id: 'c1', parent: 'fe', service: 'frontend', kind: 'client', start: 10, end: 30 },
      { id: 'c0', parent: 'fe', service: 'frontend', kind: 'client', start: 40, end: 50 },
      { id: 'inv', parent: 'c1', service: 'inventory', kind: 'server', start: 12, end: 28 },
    ));
    expect(t.warnings).toEqual([]);
    expect(ids(t.roots)).toEqual(['fe']);
    expect(ids(t.nodes.get('fe')!.children)).toEqual(['c1', 'c0', 'c2']);
    expect(t.nodes.get('inv')!.depth).toBe(2);
    expect(t.nodes.get('inv')!.parent?.span.spanId).toBe('c1');
    expect(t.orphans).toEqual([]);
    expect([t.startNs, t.endNs]).toEqual([ns(0), ns(100)]);
  });

  it('does not throw on an empty list', () => {
    const t = buildTree([]);
    expect(t.roots).toEqual([]);
    expect(t.nodes.size).toBe(0);
    expect(t.warnings).toEqual([]);
    expect([t.startNs, t.endNs]).toEqual([0n, 0n]);
  });

  it('keeps the first of duplicate span IDs and warns once', () => {
    const t = buildTree(spans(
      { id: 'a', service: 'frontend', name: 'GET /', start: 0, end: 10 },
      { id: 'a', service: 'frontend', name: 'GET / again', start: 1, end: 5 },
      { id: 'a', service: 'frontend', name: 'third', start: 2, end: 5 },
    ));
    expect(t.spans.map((s) => s.name)).toEqual(['GET /']);
    expect(t.warnings).toEqual([
      { kind: 'duplicate-span-id', spanId: 'a', message: "3 spans share the ID a; only the first, frontend's span GET /, is shown." },
    ]);
  });

  it('treats a span that is its own parent as a root', () => {
    const t = buildTree(spans({ id: 'a', parent: 'a', service: 'frontend', name: 'GET /', start: 0, end: 10 }));
    expect(ids(t.roots)).toEqual(['a']);
    expect(t.orphans).toEqual([]);
    expect(kinds(t)).toEqual(['self-parent']);
    expect(t.warnings[0].message).toBe("frontend's span GET / names itself as its parent; it is shown as a root.");
  });

  it('breaks a parent cycle at its earliest-starting span', () => {
    const t = buildTree(spans(
      { id: 'b', parent: 'a', service: 'api', start: 5, end: 10 },
      { id: 'a', parent: 'b', service: 'api', start: 0, end: 20 },
      { id: 'c', parent: 'b', service: 'api', start: 6, end: 7 },
    ));
    expect(ids(t.roots)).toEqual(['a']);
    expect(t.nodes.get('c')!.depth).toBe(2);
    expect(t.orphans).toEqual([]);
    expect(kinds(t)).toEqual(['cycle', 'no-root']);
    expect(t.warnings[0]).toMatchObject({ spanId: 'a' });
    expect(t.warnings[0].message).toBe(
      "The parent links of api's span b, api's span a form a loop; api's span a, which starts first, is shown as a root.",
    );
  });

  it('says when no span is a root', () => {
    const t = buildTree(spans(
      { id: 'x', parent: 'gone', service: 'inventory', kind: 'server', start: 0, end: 10 },
      { id: 'y', parent: 'x', service: 'inventory', start: 1, end: 5 },
    ));
    expect(ids(t.roots)).toEqual(['x']);
    expect(ids(t.orphans)).toEqual(['x']);
    expect(t.warnings).toEqual([
      {
        kind: 'no-root',
        message:
          'No span of this trace is its root: the first span (the request that started the trace) was not ' +
          'received, so one span is shown as the root instead.',
      },
    ]);
  });

  it('says when several spans have no parent, and sorts roots by start', () => {
    const t = buildTree(spans(
      { id: 'r2', service: 'worker', name: 'tick', start: 50, end: 60 },
      { id: 'r1', service: 'frontend', name: 'GET /', start: 0, end: 40 },
    ));
    expect(ids(t.roots)).toEqual(['r1', 'r2']);
    expect(kinds(t)).toEqual(['multiple-roots']);
    expect(t.warnings[0].message).toBe(
      "2 spans of this trace have no parent (worker's span tick, frontend's span GET /): " +
        'they share the trace ID but not a caller, so they are shown side by side.',
    );
  });

  it('puts orphans both in orphans and in roots, without a warning of its own', () => {
    const t = buildTree(spans(
      { id: 'fe', service: 'frontend', kind: 'server', start: 0, end: 100 },
      { id: 'inv', parent: 'lost', service: 'inventory', kind: 'server', start: 10, end: 20 },
      { id: 'db', parent: 'inv', service: 'inventory', kind: 'client', start: 11, end: 19 },
    ));
    expect(ids(t.roots)).toEqual(['fe', 'inv']);
    expect(ids(t.orphans)).toEqual(['inv']);
    expect(t.nodes.get('db')!.depth).toBe(1);
    expect(t.warnings).toEqual([]);
  });

  it('reports clock skew when a child in another service starts before its parent', () => {
    const t = buildTree(spans(
      { id: 'c', service: 'checkout', name: 'POST /charge', kind: 'client', start: 100, end: 200 },
      { id: 'p', parent: 'c', service: 'payments', name: 'POST /charge', kind: 'server', start: 87.5, end: 150 },
    ));
    expect(t.warnings).toEqual([
      {
        kind: 'clock-skew',
        spanId: 'p',
        message:
          "payments's span POST /charge starts 13 ms before its parent checkout's span POST /charge: " +
          'the clocks of the checkout and payments hosts disagree by at least 13 ms.',
      },
    ]);
  });

  it('reports a child in another service ending after its parent as skew, but tolerates 5 ms', () => {
    const t = buildTree(spans(
      { id: 'c', service: 'checkout', kind: 'client', start: 0, end: 100 },
      { id: 'p', parent: 'c', service: 'payments', kind: 'server', start: 10, end: 108 },
      { id: 'q', parent: 'c', service: 'payments', kind: 'server', start: -2, end: 104.5 },
    ));
    expect(kinds(t)).toEqual(['clock-skew']);
    expect(t.warnings[0].message).toMatch(/ends 8 ms after its parent/);
  });

  it('does not call a consumer that outlives its producer skew', () => {
    const t = buildTree(spans(
      { id: 'pr', service: 'orders', kind: 'producer', start: 0, end: 5 },
      { id: 'co', parent: 'pr', service: 'mailer', kind: 'consumer', start: 50, end: 900 },
    ));
    expect(t.warnings).toEqual([]);
  });

  it('reports a child outliving its parent in the same service as async work', () => {
    const t = buildTree(spans(
      { id: 'req', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 0, end: 100 },
      { id: 'mail', parent: 'req', service: 'checkout', name: 'send receipt', start: 90, end: 400 },
    ));
    expect(t.warnings).toEqual([
      {
        kind: 'child-outlives-parent',
        spanId: 'mail',
        message:
          "checkout's span send receipt ends 300 ms after its parent POST /checkout: " +
          'work started by the request went on after the request finished.',
      },
    ]);
    expect(t.endNs).toBe(ns(400));
  });

  it('warns once per process without a service name', () => {
    const t = buildTree([
      span({ id: 'a', service: 'unknown_service:node', name: 'GET /', start: 0, end: 10 }),
      span({ id: 'b', parent: 'a', service: 'unknown_service:node', name: 'query', start: 1, end: 2 }),
      span({ id: 'c', parent: 'a', service: 'unknown_service', name: 'x', start: 3, end: 4 }),
      span({ id: 'd', parent: 'a', service: 'api', name: 'y', start: 3, end: 4 }),
    ]);
    expect(t.warnings).toEqual([
      {
        kind: 'missing-service',
        spanId: 'a',
        message:
          '2 spans (first: GET /) came from a process without a service.name, shown as "unknown_service:node": ' +
          'set OTEL_SERVICE_NAME in that process.',
      },
      {
        kind: 'missing-service',
        spanId: 'c',
        message:
          '1 span (first: x) came from a process without a service.name, shown as "unknown_service": ' +
          'set OTEL_SERVICE_NAME in that process.',
      },
    ]);
  });
});
