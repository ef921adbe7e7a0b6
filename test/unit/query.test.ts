import { describe, expect, it } from 'vitest';
import type { AnalysisReader, DependencyGraphRows } from '../../src/model/analysis-ports.js';
import type { TraceReader } from '../../src/model/ports.js';
import type { TraceQuery, TraceSummary } from '../../src/model/query.js';
import type { StatsReader } from '../../src/model/stats-ports.js';
import { createQueryService } from '../../src/query/index.js';
import { legacyScenario, MS, T0, traceIdOf } from '../fixtures/propagation-spans.js';

/** The query service over plain in-memory readers: what each call reads, and what it hands back. */

const NOW_MS = Number(T0 / MS) + 60_000;

function setup() {
  const { trace1, trace2 } = legacyScenario();
  const calls: Record<string, unknown[]> = { rootSpansBetween: [], findTraces: [], dependencies: [], serviceStats: [] };
  const summaries: TraceSummary[] = [5, 4, 3, 2, 1].map((n) => ({
    traceId: traceIdOf(n),
    rootService: 'web',
    rootName: 'GET /',
    startTimeUnixNano: T0 + BigInt(n) * MS,
    durationNs: MS,
    spanCount: 1,
    errorCount: 0,
    services: ['web'],
  }));
  const traces: TraceReader = {
    getTrace: (id) => (id === traceIdOf(1) ? trace1 : id === traceIdOf(2) ? trace2 : []),
    getTraceTyped: () => undefined,
    findTraces: (q: TraceQuery) => (calls.findTraces.push(q), summaries.slice(0, q.limit)),
    services: () => [],
    operations: () => [],
    searchSpansets: () => ({ traces: [], inspectedTraces: 0 }),
    indexedTags: () => ({ resource: [], span: [] }),
    indexedTagValues: () => ({ values: [], indexed: false }),
    walkTraces: () => ({ traces: [], more: false, bytesPerSpan: 0 }),
  };
  // The graph as the writer maintains it: the leaf call of legacy already decided, an uninstrumented callee.
  const graph: DependencyGraphRows = {
    edges: [
      { parent: 'frontend', child: 'legacy', callCount: 1, errorCount: 0, instrumented: true, broken: false },
      { parent: 'legacy', child: '127.0.0.1:3003', callCount: 1, errorCount: 1, instrumented: false, broken: false },
    ],
    traces: 3,
  };
  const analysis: AnalysisReader = {
    rootSpansBetween: (startNs, endNs, exclude) => (calls.rootSpansBetween.push([startNs, endNs, exclude]), [trace2[0]]),
    dependencies: (startNs, endNs) => (calls.dependencies.push([startNs, endNs]), graph),
  };
  const stats = { serviceStats: (w?: unknown) => (calls.serviceStats.push(w), []) } as unknown as StatsReader;
  return { query: createQueryService({ traces, analysis, stats, now: () => NOW_MS }), calls };
}

describe('query service', () => {
  it('answers undefined for an unknown trace, so each view words its own 404', () => {
    const { query } = setup();
    expect(query.trace(traceIdOf(9))).toBeUndefined();
    expect(query.analysedTrace(traceIdOf(9))).toBeUndefined();
    expect(query.chain(traceIdOf(9), ['frontend'])).toBeUndefined();
  });

  it('analyses a trace on one tree, against the root spans of the traces around it', () => {
    const { query, calls } = setup();
    const t = query.analysedTrace(traceIdOf(1))!;
    expect(t.tree.spans).toHaveLength(4);
    expect(t.analysis.traceId).toBe(traceIdOf(1));
    expect(t.analysis.propagation.brokenLinks.map((b) => b.toService)).toEqual(['inventory']);
    // The trace's window ± 1 s, itself excluded.
    expect(calls.rootSpansBetween).toEqual([[T0 - 1000n * MS, T0 + 1100n * MS, traceIdOf(1)]]);
    expect(query.chain(traceIdOf(1), ['frontend', 'legacy', 'inventory'])?.missing.map((m) => m.to)).toEqual(['inventory']);
  });

  it('reads one more trace than a page holds, to know where the next page starts', () => {
    const { query, calls } = setup();
    const page = query.search({ errorOnly: false, attrs: [], limit: 2 });
    expect(calls.findTraces).toMatchObject([{ limit: 3 }]);
    expect(page.traces.map((t) => t.traceId)).toEqual([traceIdOf(5), traceIdOf(4)]);
    expect(page.next).toEqual({ startNs: T0 + 4n * MS, traceId: traceIdOf(4) });
    expect(query.search({ errorOnly: false, attrs: [], limit: 5 }).next).toBeUndefined();
  });

  it('reads the maintained dependency graph of the window, from the start of time for all time', () => {
    const { query, calls } = setup();
    const end = BigInt(NOW_MS) * MS;
    const all = query.dependencies({ preset: 'all', endNs: end });
    expect(calls.dependencies).toEqual([[0n, end]]);
    expect(all).toEqual({
      edges: [
        { parent: 'frontend', child: 'legacy', callCount: 1, errorCount: 0, instrumented: true, broken: false },
        { parent: 'legacy', child: '127.0.0.1:3003', callCount: 1, errorCount: 1, instrumented: false, broken: false },
      ],
      traces: 3,
      tracesInWindow: 3,
    });
    query.dependencies({ preset: '1h', startNs: end - 3_600_000n * MS, endNs: end });
    expect(calls.dependencies[1]).toEqual([end - 3_600_000n * MS, end]);
  });

  it('passes a window to the stats reader, and no window for all time', () => {
    const { query, calls } = setup();
    query.stats({ preset: 'all', endNs: 5n });
    query.stats({ preset: 'custom', startNs: 1n, endNs: 5n });
    expect(calls.serviceStats).toEqual([undefined, { startNs: 1n, endNs: 5n }]);
  });
});
