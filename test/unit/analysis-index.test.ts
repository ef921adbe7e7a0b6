import { describe, expect, it } from 'vitest';
import { analyzeTrace, traceChain, traceWindow } from '../../src/analysis/index.js';
import { buildTree } from '../../src/analysis/tree.js';
import { legacyScenario, MS, span, spanIdOf, T0, traceIdOf } from '../fixtures/propagation-spans.js';

describe('analyzeTrace', () => {
  it('carries the broken link and serialises to JSON (no bigint left)', () => {
    const { trace1, trace2 } = legacyScenario();
    const a = analyzeTrace(buildTree(trace1), [trace2[0]]);
    expect(a.traceId).toBe(traceIdOf(1));
    expect(a.propagation.brokenLinks.map((b) => [b.fromService, b.toService])).toEqual([['legacy', 'inventory']]);
    expect(() => JSON.stringify(a)).not.toThrow();
  });

  it('gives a leaf call\'s time to the service that answered it in another trace, not to its address', () => {
    const { trace1, trace2 } = legacyScenario();
    const alone = analyzeTrace(buildTree(trace1), []);
    expect(alone.timeByService.find((t) => t.service === '127.0.0.1:3003')).toMatchObject({ instrumented: false, selfMs: 60 });
    const linked = analyzeTrace(buildTree(trace1), [trace2[0]]);
    expect(linked.timeByService.map((t) => t.service)).not.toContain('127.0.0.1:3003');
    expect(linked.timeByService.find((t) => t.service === 'inventory')).toMatchObject({ instrumented: true, selfMs: 60 });
    const total = linked.timeByService.reduce((n, t) => n + t.selfMs, 0);
    expect(total).toBeCloseTo(linked.durationMs, 6);
  });

  it('warns once per orphan, whether or not the tree already did', () => {
    const spans = [
      span({ trace: 1, id: 'root', service: 'frontend', kind: 2, start: 0, duration: 50 }),
      span({ trace: 1, id: 'inv', parent: 'gone', service: 'inventory', kind: 2, start: 5, duration: 10, flags: 0x301 }),
    ];
    const a = analyzeTrace(buildTree(spans), []);
    expect(a.propagation.orphans.map((o) => o.remoteParent)).toEqual([true]);
    expect(a.warnings.filter((w) => w.kind === 'orphan').map((w) => w.spanId)).toEqual([spanIdOf('inv')]);
  });
});

describe('traceChain and traceWindow', () => {
  it('checks the chain with broken links found among the candidates', () => {
    const { trace1, trace2 } = legacyScenario();
    const r = traceChain(buildTree(trace1), trace2, ['frontend', 'legacy', 'inventory']);
    expect(r.missing.map((m) => [m.from, m.to])).toEqual([['legacy', 'inventory']]);
    expect(r.missing[0].reason).toMatch(/traceparent/);
  });

  it('spans the earliest start to the latest end', () => {
    const { trace1 } = legacyScenario();
    expect(traceWindow(trace1)).toEqual({ startNs: T0, endNs: T0 + 100n * MS });
  });
});
