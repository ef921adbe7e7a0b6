import { describe, expect, it } from 'vitest';
import { analyzeTrace, traceChain, traceWindow } from '../../src/analysis/index.js';
import { legacyScenario, MS, span, spanIdOf, T0, traceIdOf } from '../fixtures/propagation-spans.js';

describe('analyzeTrace', () => {
  it('carries the broken link and serialises to JSON (no bigint left)', () => {
    const { trace1, trace2 } = legacyScenario();
    const a = analyzeTrace(trace1, [trace2[0]]);
    expect(a.traceId).toBe(traceIdOf(1));
    expect(a.propagation.brokenLinks.map((b) => [b.fromService, b.toService])).toEqual([['legacy', 'inventory']]);
    expect(() => JSON.stringify(a)).not.toThrow();
  });

  it('warns once per orphan, whether or not the tree already did', () => {
    const spans = [
      span({ trace: 1, id: 'root', service: 'frontend', kind: 2, start: 0, duration: 50 }),
      span({ trace: 1, id: 'inv', parent: 'gone', service: 'inventory', kind: 2, start: 5, duration: 10, flags: 0x301 }),
    ];
    const a = analyzeTrace(spans, []);
    expect(a.propagation.orphans.map((o) => o.remoteParent)).toEqual([true]);
    expect(a.warnings.filter((w) => w.kind === 'orphan').map((w) => w.spanId)).toEqual([spanIdOf('inv')]);
  });
});

describe('traceChain and traceWindow', () => {
  it('checks the chain with broken links found among the candidates', () => {
    const { trace1, trace2 } = legacyScenario();
    const r = traceChain(trace1, trace2, ['frontend', 'legacy', 'inventory']);
    expect(r.missing.map((m) => [m.from, m.to])).toEqual([['legacy', 'inventory']]);
    expect(r.missing[0].reason).toMatch(/traceparent/);
  });

  it('spans the earliest start to the latest end', () => {
    const { trace1 } = legacyScenario();
    expect(traceWindow(trace1)).toEqual({ startNs: T0, endNs: T0 + 100n * MS });
  });
});
