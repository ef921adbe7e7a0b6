import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WalkedTrace } from '../../src/model/trace-walk.js';
import { keptAtRate } from '../../src/sampling/evaluate.js';
import { parsePolicy, STARTER_POLICY } from '../../src/sampling/policy.js';
import { simulate } from '../../src/sampling/simulate.js';

/** The simulator over hand-built trace rows: every output, the replay order, the incidents, determinism. */

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;

function trace(n: number, spec: Partial<WalkedTrace> & { ms?: number; at?: number } = {}): WalkedTrace {
  const startNs = spec.startNs ?? T0 + BigInt(spec.at ?? n) * MS;
  const durationNs = spec.durationNs ?? BigInt(spec.ms ?? 10) * MS;
  return {
    traceId: spec.traceId ?? n.toString(16).padStart(32, '0'),
    startNs,
    endNs: spec.endNs ?? startNs + durationNs,
    durationNs,
    spanCount: spec.spanCount ?? 3,
    errorCount: spec.errorCount ?? 0,
    rootService: spec.rootService ?? 'web',
    rootName: spec.rootName ?? 'GET /',
    attributes: spec.attributes,
  };
}

/** A random trace ID, as SDKs make them (the probabilistic rule and head sampling read its low 56 bits). */
const randomId = () => randomBytes(16).toString('hex');

/** A deterministic generator, so the fixtures below are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * 2,000 traces of `web GET /` (10–50 ms; every 100th one 500–1,000 ms, so exactly 1 % are p99-slow with a gap
 * below them), every 25th one failed (4 %), plus 50 of `api GET /x` (too few for a p99).
 */
function traffic(): WalkedTrace[] {
  const rnd = lcg(7);
  const hex = () => Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0');
  const out: WalkedTrace[] = [];
  for (let i = 0; i < 2000; i++) {
    const slow = i % 100 === 99;
    const ms = slow ? 500 + Math.floor(rnd() * 500) : 10 + Math.floor(rnd() * 40);
    out.push(trace(i, { traceId: hex() + hex() + hex() + hex(), at: i * 10, ms, errorCount: i % 25 === 3 ? 1 : 0, spanCount: 4 }));
  }
  for (let i = 0; i < 50; i++) out.push(trace(10_000 + i, { traceId: hex() + hex() + hex() + hex(), at: i * 400, rootService: 'api', rootName: 'GET /x', ms: 2000 }));
  return out;
}

describe('simulate: every output on a small window', () => {
  const policy = parsePolicy({
    name: 'mine',
    rules: [
      { name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' },
      { name: 'errors', type: 'error' },
      { name: 'slow', type: 'latency', thresholdMs: 100 },
      { name: 'none', type: 'probabilistic', rate: 0 },
    ],
    default: 'drop',
  });
  const health = new Map([['http.route', ['/health']]]);
  const traces = [
    trace(1, { errorCount: 1, spanCount: 5 }), // errors
    trace(2, { ms: 150, spanCount: 2 }), // slow
    trace(3, { errorCount: 2, attributes: health, spanCount: 1 }), // health (drop) before errors
    trace(4, { spanCount: 10 }), // default
    trace(5, { ms: 100, spanCount: 4 }), // slow: at least the threshold
  ];
  const sim = simulate({ traces, policy, headRate: 1, bytesPerSpan: 100, examples: 1 });

  it('counts traces, spans and incidents; no root operation has 100 traces, so none is p99-slow', () => {
    expect(sim).toMatchObject({ traces: 5, spans: 22, bytesPerSpan: 100, errored: 2, slow: 0, thresholds: [], unjudged: 5 });
  });

  it('the tail: per rule (first match decides, a drop rule drops), kept and dropped, spans and bytes saved', () => {
    expect(sim.tail.rules).toEqual([
      { name: 'health', type: 'attribute', action: 'drop', traces: 1, share: 0.2, spans: 1, examples: [trace(3).traceId] },
      { name: 'errors', type: 'error', action: 'keep', traces: 1, share: 0.2, spans: 5, examples: [trace(1).traceId] },
      // Trace 5 ends (at 105 ms) before trace 2 (at 152 ms): it is decided first.
      { name: 'slow', type: 'latency', action: 'keep', traces: 2, share: 0.4, spans: 6, examples: [trace(5).traceId] },
      { name: 'none', type: 'probabilistic', action: 'keep', traces: 0, share: 0, spans: 0, examples: [] },
      { name: 'default', type: 'default', action: 'drop', traces: 1, share: 0.2, spans: 10, examples: [trace(4).traceId] },
    ]);
    expect(sim.tail).toMatchObject({ kept: 3, dropped: 2, keptShare: 0.6, spansKept: 11, spansDropped: 11, bytesSaved: 1100 });
    expect(sim.tail.errored).toEqual({ total: 2, kept: 1, missed: 1, keptShare: 0.5, examples: { kept: [trace(1).traceId], missed: [trace(3).traceId] } });
    expect(sim.tail.slow).toEqual({ total: 0, kept: 0, missed: 0, keptShare: null, examples: { kept: [], missed: [] } });
  });

  it('head sampling at 100 % keeps everything and saves nothing; without a rate there is no head strategy', () => {
    expect(sim.head).toMatchObject({ rate: 1, kept: 5, dropped: 0, keptShare: 1, spansDropped: 0, bytesSaved: 0 });
    expect(sim.head!.errored).toMatchObject({ total: 2, kept: 2, missed: 0, keptShare: 1 });
    expect(simulate({ traces, policy, bytesPerSpan: 100 }).head).toBeUndefined();
    const none = simulate({ traces, policy, headRate: 0, bytesPerSpan: 100 }).head!;
    expect(none).toMatchObject({ kept: 0, dropped: 5, spansDropped: 22, bytesSaved: 2200 });
    expect(none.errored.examples.missed).toHaveLength(2);
  });

  it('an empty window gives zeros, not NaN', () => {
    const empty = simulate({ traces: [], policy: STARTER_POLICY, headRate: 0.01, bytesPerSpan: 0 });
    expect(empty).toMatchObject({ traces: 0, spans: 0, errored: 0, slow: 0 });
    expect(empty.tail).toMatchObject({ kept: 0, keptShare: 0 });
    expect(empty.head).toMatchObject({ kept: 0, keptShare: 0 });
  });
});

describe('simulate: the replay is the live sampler’s', () => {
  it('decides in trace-end order with the end as the rate limit’s clock', () => {
    const policy = parsePolicy({ rules: [{ name: 'cap', type: 'rate-limit', tracesPerSecond: 1 }] });
    // A starts first but ends last; B and C end half a second apart: one token a second keeps B, not C, and A.
    const a = trace(1, { startNs: T0, endNs: T0 + 10_000n * MS, durationNs: 10_000n * MS });
    const b = trace(2, { startNs: T0 + 1000n * MS, endNs: T0 + 2000n * MS, durationNs: 1000n * MS });
    const c = trace(3, { startNs: T0 + 1500n * MS, endNs: T0 + 2500n * MS, durationNs: 1000n * MS });
    const sim = simulate({ traces: [a, b, c], policy, bytesPerSpan: 0, examples: 5 });
    expect(sim.tail.rules[0].examples).toEqual([b.traceId, a.traceId]);
    expect(sim.tail.rules[1]).toMatchObject({ name: 'default', traces: 1, examples: [c.traceId] });
  });

  it('is deterministic: the same traces in any order give the same answer', () => {
    const t = traffic();
    const first = simulate({ traces: t, policy: STARTER_POLICY, headRate: 0.01, bytesPerSpan: 270 });
    const shuffled = [...t].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
    expect(simulate({ traces: shuffled, policy: STARTER_POLICY, headRate: 0.01, bytesPerSpan: 270 })).toEqual(first);
    expect(simulate({ traces: t, policy: STARTER_POLICY, headRate: 0.01, bytesPerSpan: 270 })).toEqual(first);
  });
});

describe('simulate: incidents', () => {
  const t = traffic();
  const sim = simulate({ traces: t, policy: STARTER_POLICY, headRate: 0.01, bytesPerSpan: 270 });

  it('p99-slow: above the exact p99 of each root operation with at least 100 traces', () => {
    const fastMax = t.filter((x) => x.rootService === 'web' && x.durationNs < 500n * MS).reduce((m, x) => (x.durationNs > m ? x.durationNs : m), 0n);
    expect(sim.thresholds).toEqual([{ rootService: 'web', rootName: 'GET /', traces: 2000, p99Ns: fastMax, slow: 20 }]);
    expect(sim.slow).toBe(20);
    expect(sim.unjudged).toBe(50);
    expect(sim.errored).toBe(80);
  });

  it('the starter policy keeps every errored and every p99-slow trace, and about 1 % of the rest', () => {
    expect(sim.tail.errored).toMatchObject({ total: 80, kept: 80, missed: 0, keptShare: 1 });
    expect(sim.tail.slow).toMatchObject({ total: 20, kept: 20, missed: 0, keptShare: 1 });
    expect(sim.tail.slow.examples.kept).toHaveLength(5);
    const [errors, slow, onePercent, dflt] = sim.tail.rules;
    expect(errors).toMatchObject({ name: 'errors', traces: 80 });
    // Each root operation's first 100 traces are all slow (the estimate is not trusted yet): 96 of web's (4 of
    // them failed, and the error rule comes first) and all 50 of api's; the slow trace at 99 is one of them.
    expect(slow.name).toBe('p99-slow');
    expect(slow.warmup).toBe(100 - 4 + 50);
    expect(slow.traces).toBeGreaterThanOrEqual(slow.warmup! + 20 - 1);
    // The 1 % rule is keptAtRate over what the first two rules left: exactly that.
    const rest = t.filter((x) => x.errorCount === 0).length - slow.traces;
    expect(onePercent.traces + dflt.traces).toBe(rest);
    expect(sim.tail.kept).toBe(errors.traces + slow.traces + onePercent.traces);
  });

  it('head sampling keeps the traces keptAtRate keeps, incidents or not', () => {
    const expected = t.filter((x) => keptAtRate(x.traceId, 0.01));
    expect(sim.head!.kept).toBe(expected.length);
    expect(sim.head!.errored.kept).toBe(expected.filter((x) => x.errorCount > 0).length);
    expect(sim.head!.errored.kept + sim.head!.errored.missed).toBe(80);
  });

  it('head sampling at a rate keeps about that share of the incidents (random trace IDs, 6 standard deviations)', () => {
    const n = 20_000;
    const traces = Array.from({ length: n }, (_, i) => trace(i, { traceId: randomId(), errorCount: i % 5 === 0 ? 1 : 0 }));
    for (const rate of [0.01, 0.1]) {
      const head = simulate({ traces, policy: STARTER_POLICY, headRate: rate, bytesPerSpan: 0 }).head!;
      const incidents = n / 5;
      const sd = Math.sqrt(incidents * rate * (1 - rate));
      expect(Math.abs(head.errored.kept - incidents * rate)).toBeLessThan(6 * sd);
      expect(Math.abs(head.kept - n * rate)).toBeLessThan(6 * Math.sqrt(n * rate * (1 - rate)));
    }
  });
});
