import { describe, expect, it } from 'vitest';
import { dependencyEdges } from '../../src/analysis/dependencies.js';
import { legacyScenario, span } from '../fixtures/propagation-spans.js';

describe('dependencyEdges', () => {
  it('combines direct calls, uninstrumented callees and broken links', () => {
    const { trace1, trace2 } = legacyScenario();
    const leafClients = [trace1[3], trace2[1]];
    const candidates = [trace1[0], trace2[0]];
    const edges = dependencyEdges({
      calls: [
        { parent: 'frontend', child: 'legacy', callCount: 3, errorCount: 1 },
        { parent: 'legacy', child: 'inventory', callCount: 2, errorCount: 0 },
      ],
      leafClients,
      candidates,
    });
    expect(edges).toEqual([
      { parent: 'frontend', child: 'legacy', callCount: 3, errorCount: 1, instrumented: true, broken: false },
      { parent: 'inventory', child: 'db.internal:5432', callCount: 1, errorCount: 0, instrumented: false, broken: false },
      { parent: 'legacy', child: 'inventory', callCount: 2, errorCount: 0, instrumented: true, broken: false },
      { parent: 'legacy', child: 'inventory', callCount: 1, errorCount: 0, instrumented: true, broken: true },
    ]);
  });

  it('counts calls and errors per edge: a failed uninstrumented call and a failed broken callee', () => {
    const attributes = { 'server.address': '127.0.0.1', 'server.port': 3003 };
    const clients = [0, 200, 400].map((t, i) =>
      span({ trace: 10 + i, id: `c${i}`, service: 'legacy', kind: 3, start: t, duration: 20, attributes, statusCode: i === 2 ? 2 : 0 }),
    );
    const callee = span({ trace: 20, id: 's', service: 'inventory', kind: 2, start: 202, duration: 5,
      attributes: { 'server.port': 3003, 'http.response.status_code': 503 } });
    const edges = dependencyEdges({ calls: [], leafClients: clients, candidates: [callee] });
    expect(edges).toEqual([
      { parent: 'legacy', child: '127.0.0.1:3003', callCount: 2, errorCount: 1, instrumented: false, broken: false },
      { parent: 'legacy', child: 'inventory', callCount: 1, errorCount: 1, instrumented: true, broken: true },
    ]);
  });

  it('waits for the grace period before calling a recent unanswered call uninstrumented, not a broken one', () => {
    const { trace1, trace2 } = legacyScenario();
    const input = { calls: [], leafClients: [trace1[3], trace2[1]], candidates: [trace1[0], trace2[0]] };
    // Both leaf calls ended after the settle point: the database call is not counted yet, the broken one is.
    const settledBeforeNs = trace2[1].endTimeUnixNano - 1n;
    expect(dependencyEdges({ ...input, settledBeforeNs })).toEqual([
      { parent: 'legacy', child: 'inventory', callCount: 1, errorCount: 0, instrumented: true, broken: true },
    ]);
    expect(dependencyEdges(input)).toHaveLength(2);
  });

  it('never matches a client with a root of its own trace', () => {
    const client = span({ trace: 1, id: 'c', service: 'a', kind: 3, start: 1, duration: 5, attributes: { 'peer.service': 'a' } });
    const ownRoot = span({ trace: 1, id: 'r', service: 'a', kind: 2, start: 0, duration: 10 });
    const edges = dependencyEdges({ calls: [], leafClients: [client], candidates: [ownRoot] });
    expect(edges).toEqual([{ parent: 'a', child: 'a', callCount: 1, errorCount: 0, instrumented: false, broken: false }]);
  });

  it('skips leaf clients without any target, and is empty for no input', () => {
    const bare = span({ trace: 1, id: 'c', service: 'a', kind: 3, start: 0, duration: 5 });
    expect(dependencyEdges({ calls: [], leafClients: [bare], candidates: [] })).toEqual([]);
  });
});
