import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptAtRate } from '../../src/sampling/evaluate.js';
import { exportRequest, T0, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { eventually, getJson, startServer, type TestServer } from '../helpers/server.js';

/**
 * A real tracelite with `--sampling starter` and generated traffic of known errors and latencies, sent as raw
 * OTLP/HTTP JSON: 20,000 traces over three root operations, 3 % failed (a seeded draw), 1.2 % timing out at
 * 900 ms (three fixed positions in every 250 traces, so past the warm-up the slow share is above 1 % in any window
 * and the true p99 is the timeout), the rest 10–50 ms. Past the warm-up (the first 1,000 traces of each operation)
 * the sampler must keep exactly: every failed trace, every trace at or above the true p99, and the traces the
 * 1 % rule picks by trace ID — whose count must be about 1 % of the rest (6 standard deviations).
 */

const N = 20_000;
const OPS = ['GET /checkout', 'GET /cart', 'POST /login'];
const MS = 1_000_000n;
const WARM_UP = 3_000;

interface Gen {
  id: string;
  op: string;
  error: boolean;
  durationMs: number;
}

function traffic(): Gen[] {
  let x = 0x9e3779b9; // mulberry32, seeded: the same traffic every run
  const rnd = () => {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: N }, (_, i) => {
    const error = rnd() < 0.03;
    const slow = [0, 83, 166].includes(i % 250);
    const u = rnd();
    return {
      id: crypto.createHash('sha256').update(`trace-${i}`).digest('hex').slice(0, 32),
      op: OPS[i % 3],
      error,
      durationMs: slow ? 900 : 10 + Math.floor(40 * u ** 3 * 1000) / 1000,
    };
  });
}

function spansOf(t: Gen, i: number): JsonSpanSpec[] {
  const start = T0 + BigInt(i) * 1_000_000n;
  const rootId = t.id.slice(0, 16);
  const childId = t.id.slice(16, 32);
  const durationNs = BigInt(Math.round(t.durationMs * 1e6));
  return [
    { traceId: t.id, spanId: rootId, name: t.op, kind: 2, start, durationNs },
    { traceId: t.id, spanId: childId, parentSpanId: rootId, name: 'SELECT', kind: 3, start: start + MS / 10n, durationNs: durationNs / 2n, error: t.error },
  ];
}

describe('--sampling starter end to end', () => {
  let server: TestServer;
  const gen = traffic();

  beforeAll(async () => {
    server = await startServer({ sampling: 'starter', decisionWaitMs: 200, samplingBuffer: 100_000 });
    for (let b = 0; b < N; b += 500) {
      const body = exportRequest({ shop: gen.slice(b, b + 500).flatMap((t, k) => spansOf(t, b + k)) });
      const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
    await eventually(async () => {
      const s = (await getJson(server, '/api/sampling')).body;
      return s.traces.buffered === 0 && s.buffer.writing === 0 ? true : undefined;
    }, 30_000);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('keeps every failed trace, every trace at or above the true p99, about 1 % of the rest, and nothing else', () => {
    const kept = gen.map((t) => server.reader.getTrace(t.id).length);
    // Whatever is kept is kept whole.
    expect(kept.filter((k) => k !== 0 && k !== 2)).toEqual([]);
    // Every failed trace, warm-up or not.
    expect(gen.filter((t, i) => t.error && kept[i] === 0).length).toBe(0);

    const after = gen.map((t, i) => ({ t, kept: kept[i] === 2 })).slice(WARM_UP);
    const sorted = after.map((a) => a.t.durationMs).sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1];
    expect(p99).toBe(900);
    const slow = after.filter((a) => a.t.durationMs >= p99);
    expect(slow.length).toBe(204); // 1.2 % of 17,000: the check below is not vacuous
    expect(slow.filter((a) => !a.kept)).toEqual([]);

    const rest = after.filter((a) => !a.t.error && a.t.durationMs < p99);
    const picked = rest.filter((a) => keptAtRate(a.t.id, 0.01));
    expect(picked.length).toBeGreaterThan(50);
    // Nothing else: of the rest, exactly the traces the 1 % rule picks by their IDs.
    expect(rest.filter((a) => a.kept !== keptAtRate(a.t.id, 0.01)).map((a) => a.t.id)).toEqual([]);
    const expected = rest.length * 0.01;
    const sd = Math.sqrt(rest.length * 0.01 * 0.99);
    expect(Math.abs(picked.length - expected)).toBeLessThan(6 * sd);
  });

  it('GET /api/sampling: the starter policy and counters that add up', async () => {
    const { status, body: s } = await getJson(server, '/api/sampling');
    expect(status).toBe(200);
    expect(s.enabled).toBe(true);
    if (process.env.PRINT_SAMPLING) console.log(JSON.stringify(s));
    expect(s.policy.name).toBe('starter');
    const keptTraces = gen.filter((t) => server.reader.getTrace(t.id).length > 0).length;
    expect(s.traces).toEqual({ seen: N, kept: keptTraces, dropped: N - keptTraces, buffered: 0 });
    expect(s.spans).toEqual({ seen: 2 * N, kept: 2 * keptTraces, dropped: 2 * (N - keptTraces), buffered: 0 });
    const rules = Object.fromEntries(s.rules.map((r: { rule: string; kept: number; dropped: number }) => [r.rule, r]));
    expect(rules.errors.kept).toBe(gen.filter((t) => t.error).length);
    expect(rules.default.kept).toBe(0);
    expect(s.rules.reduce((a: number, r: { kept: number }) => a + r.kept, 0)).toBe(s.traces.kept);
    expect(s.rules.reduce((a: number, r: { dropped: number }) => a + r.dropped, 0)).toBe(s.traces.dropped);
    expect(s.decided.waited + s.decided.maxAge + s.decided.early + s.decided.shutdown).toBe(N);
    expect(s.decided.early).toBe(0);
    expect(s.writes).toMatchObject({ spans: 2 * keptTraces, failedSpans: 0, failedTraces: 0 });
  });
});
