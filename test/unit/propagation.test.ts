import { describe, expect, it } from 'vitest';
import { findPropagationProblems } from '../../src/analysis/propagation.js';
import { legacyScenario, MS, span, spanIdOf, traceIdOf, treeOf } from '../fixtures/propagation-spans.js';

describe('orphans', () => {
  it('reports a span whose parent never arrived, with the remote flag from flags & 0x300', () => {
    const spans = [
      span({ trace: 1, id: 'root', service: 'frontend', kind: 2, start: 0, duration: 50 }),
      span({ trace: 1, id: 'inv', parent: 'gone', service: 'inventory', name: 'GET /items', kind: 2, start: 5, duration: 10, flags: 0x301 }),
      span({ trace: 1, id: 'local', parent: 'lost', service: 'inventory', name: 'load', start: 6, duration: 1, flags: 0x101 }),
      span({ trace: 1, id: 'old', parent: 'missing', service: 'billing', name: 'charge', kind: 2, start: 7, duration: 1, flags: 1 }),
    ];
    const { orphans, brokenLinks } = findPropagationProblems(treeOf(spans), []);
    expect(brokenLinks).toEqual([]);
    expect(orphans.map((o) => [o.service, o.name, o.parentSpanId, o.remoteParent])).toEqual([
      ['inventory', 'GET /items', spanIdOf('gone'), true],
      ['inventory', 'load', spanIdOf('lost'), false],
      ['billing', 'charge', spanIdOf('missing'), false],
    ]);
    expect(orphans[0].message).toBe(
      `inventory's span GET /items has a parent ${spanIdOf('gone').slice(0, 8)}… that never arrived: ` +
        'the caller is not instrumented, exports elsewhere, or its span was lost',
    );
    expect(orphans[1].message).toMatch(/span of inventory itself/);
    expect(orphans[2].message).toMatch(/never arrived: the caller is not instrumented/);
  });

  it('finds none in a complete trace', () => {
    expect(findPropagationProblems(treeOf(legacyScenario().trace1), []).orphans).toEqual([]);
  });
});

describe('broken links', () => {
  it('matches a leaf CLIENT to 127.0.0.1:3003 with a root SERVER span that knows only its port', () => {
    const { trace1, trace2 } = legacyScenario();
    const { brokenLinks } = findPropagationProblems(treeOf(trace1), trace2.filter((s) => !s.parentSpanId));
    expect(brokenLinks).toEqual([
      {
        fromService: 'legacy',
        toService: 'inventory',
        clientSpanId: spanIdOf('lg-call'),
        matchedTraceId: traceIdOf(2),
        matchedSpanId: spanIdOf('inv'),
        target: '127.0.0.1:3003',
        message:
          'legacy called 127.0.0.1:3003 and inventory handled it in another trace (00000000…): ' +
          'legacy does not forward traceparent on its outbound calls.',
      },
    ]);
  });

  it('treats localhost and 127.0.0.1 as one host (http.host on the server side)', () => {
    const client = span({ trace: 1, id: 'c', service: 'legacy', kind: 3, start: 0, duration: 20,
      attributes: { 'server.address': 'localhost', 'server.port': 3003 } });
    const server = span({ trace: 2, id: 's', service: 'inventory', kind: 2, start: 2, duration: 10,
      attributes: { 'http.host': '127.0.0.1:3003' } });
    const other = span({ trace: 3, id: 'o', service: 'billing', kind: 2, start: 2, duration: 10,
      attributes: { 'http.host': '127.0.0.1:3004' } });
    const { brokenLinks } = findPropagationProblems(treeOf([client]), [other, server]);
    expect(brokenLinks.map((b) => [b.toService, b.target])).toEqual([['inventory', 'localhost:3003']]);
  });

  it('does not match a bare port on a remote host', () => {
    const client = span({ trace: 1, id: 'c', service: 'legacy', kind: 3, start: 0, duration: 20,
      attributes: { 'server.address': 'inventory.prod', 'server.port': 3003 } });
    const server = span({ trace: 2, id: 's', service: 'inventory', kind: 2, start: 2, duration: 10, attributes: { 'server.port': 3003 } });
    expect(findPropagationProblems(treeOf([client]), [server]).brokenLinks).toEqual([]);
  });

  it('matches by peer service name', () => {
    const client = span({ trace: 1, id: 'c', service: 'checkout', kind: 3, start: 0, duration: 20,
      attributes: { 'peer.service': 'payments' } });
    const wrong = span({ trace: 2, id: 'w', service: 'shipping', kind: 2, start: 1, duration: 10 });
    const right = span({ trace: 3, id: 'r', service: 'payments', kind: 2, start: 3, duration: 10 });
    const { brokenLinks } = findPropagationProblems(treeOf([client]), [wrong, right]);
    expect(brokenLinks.map((b) => [b.toService, b.target, b.matchedTraceId])).toEqual([['payments', 'payments', traceIdOf(3)]]);
  });

  it('matches a PRODUCER by messaging destination with a CONSUMER root', () => {
    const producer = span({ trace: 1, id: 'p', service: 'orders', kind: 4, start: 0, duration: 2,
      attributes: { 'messaging.destination.name': 'order-created' } });
    const otherTopic = span({ trace: 2, id: 'x', service: 'audit', kind: 5, start: 3, duration: 5,
      attributes: { 'messaging.destination.name': 'order-paid' } });
    const consumer = span({ trace: 3, id: 'c', service: 'billing', kind: 5, start: 20, duration: 5,
      attributes: { 'messaging.destination.name': 'order-created' } });
    const { brokenLinks } = findPropagationProblems(treeOf([producer]), [otherTopic, consumer]);
    expect(brokenLinks).toHaveLength(1);
    expect(brokenLinks[0]).toMatchObject({ fromService: 'orders', toService: 'billing', target: 'order-created' });
    expect(brokenLinks[0].message).toMatch(/^orders published to order-created and billing consumed it in another trace/);
  });

  it('ignores candidates outside [start − skew, end + skew], and honours a custom skew', () => {
    const client = span({ trace: 1, id: 'c', service: 'legacy', kind: 3, start: 100, duration: 20,
      attributes: { 'peer.service': 'inventory' } });
    const early = span({ trace: 2, id: 'e', service: 'inventory', kind: 2, start: 49, duration: 10 });
    const late = span({ trace: 3, id: 'l', service: 'inventory', kind: 2, start: 171, duration: 10 });
    expect(findPropagationProblems(treeOf([client]), [early, late]).brokenLinks).toEqual([]);
    const wide = findPropagationProblems(treeOf([client]), [early, late], { skewNs: 60n * MS }).brokenLinks;
    expect(wide.map((b) => b.matchedTraceId)).toEqual([traceIdOf(2)]);
  });

  it('picks the candidate whose start is closest to the client start', () => {
    const client = span({ trace: 1, id: 'c', service: 'legacy', kind: 3, start: 100, duration: 50,
      attributes: { 'peer.service': 'inventory' } });
    const far = span({ trace: 2, id: 'f', service: 'inventory', kind: 2, start: 130, duration: 5 });
    const near = span({ trace: 3, id: 'n', service: 'inventory', kind: 2, start: 98, duration: 5 });
    const { brokenLinks } = findPropagationProblems(treeOf([client]), [far, near]);
    expect(brokenLinks.map((b) => b.matchedSpanId)).toEqual([spanIdOf('n')]);
  });

  it('gives each handled call to one client only: two parallel calls, two callee traces', () => {
    const root = span({ trace: 1, id: 'r', service: 'legacy', kind: 2, start: 0, duration: 100 });
    const attributes = { 'peer.service': 'inventory' };
    const c1 = span({ trace: 1, id: 'c1', parent: 'r', service: 'legacy', kind: 3, start: 10, duration: 50, attributes });
    const c2 = span({ trace: 1, id: 'c2', parent: 'r', service: 'legacy', kind: 3, start: 11, duration: 50, attributes });
    const s1 = span({ trace: 2, id: 's1', service: 'inventory', kind: 2, start: 11, duration: 5 });
    const s2 = span({ trace: 3, id: 's2', service: 'inventory', kind: 2, start: 12, duration: 5 });
    const links = findPropagationProblems(treeOf([root, c1, c2]), [s2, s1]).brokenLinks;
    expect(links.map((b) => [b.clientSpanId, b.matchedSpanId])).toEqual([
      [spanIdOf('c1'), spanIdOf('s1')],
      [spanIdOf('c2'), spanIdOf('s2')],
    ]);
  });

  it('a leaf CLIENT nobody answered is an uninstrumented callee, not a broken link', () => {
    const { trace1, trace2 } = legacyScenario();
    // The database call in trace 2 has no candidate; and trace 1's own spans are never candidates.
    expect(findPropagationProblems(treeOf(trace2), trace1).brokenLinks).toEqual([]);
    expect(findPropagationProblems(treeOf(trace1), trace1).brokenLinks).toEqual([]);
  });

  it('only leaf calls count: a CLIENT span with an instrumented child kept the trace', () => {
    const { trace1 } = legacyScenario();
    const legacyRoot = span({ trace: 5, id: 'x', service: 'legacy', kind: 2, start: 6, duration: 80,
      attributes: { 'server.address': 'legacy', 'server.port': 8080 } });
    const links = findPropagationProblems(treeOf(trace1), [legacyRoot]).brokenLinks;
    expect(links).toEqual([]); // frontend's call to legacy:8080 has legacy's span as its child
  });
});
