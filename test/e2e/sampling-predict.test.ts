import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, T0, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { eventually, getJson, startServer, type TestServer } from '../helpers/server.js';

/**
 * The simulator predicts what the sampler keeps: the same generated traffic goes to a tracelite sampling with the
 * starter policy and to one that stores everything; the simulation of the starter policy over the second's store
 * must count, rule by rule, what the first kept, and its example traces must be the ones the first stored (kept)
 * or did not (missed). Traces start a second apart and last under a second, so the sampler's decision order (as
 * traces complete) is the simulator's replay order (by trace end) — the two see the same sequence.
 * 4,000 traces over two root operations, 3 % failed, 1.2 % at 900 ms, the rest 10–50 ms.
 */
const N = 4_000;
const OPS = ['GET /checkout', 'GET /cart'];
const MS = 1_000_000n;
const SECOND = 1_000_000_000n;

function traffic() {
  let x = 0x2545f491;
  const rnd = () => {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: N }, (_, i) => ({
    id: crypto.createHash('sha256').update(`predict-${i}`).digest('hex').slice(0, 32),
    op: OPS[i % 2],
    error: rnd() < 0.03,
    durationMs: [0, 83, 166].includes(i % 250) ? 900 : 10 + Math.floor(40 * rnd() ** 3),
  }));
}

function spansOf(t: ReturnType<typeof traffic>[number], i: number): JsonSpanSpec[] {
  const start = T0 + BigInt(i) * SECOND;
  const durationNs = BigInt(t.durationMs) * MS;
  const root = t.id.slice(0, 16);
  return [
    { traceId: t.id, spanId: root, name: t.op, kind: 2, start, durationNs },
    { traceId: t.id, spanId: t.id.slice(16), parentSpanId: root, name: 'SELECT', kind: 3, start: start + MS / 10n, durationNs: durationNs / 2n, error: t.error },
  ];
}

describe('the simulator predicts the sampler', () => {
  let sampled: TestServer;
  let all: TestServer;
  const gen = traffic();

  beforeAll(async () => {
    [sampled, all] = await Promise.all([startServer({ sampling: 'starter', decisionWaitMs: 200, samplingBuffer: 100_000 }), startServer()]);
    for (let b = 0; b < N; b += 250) {
      const body = exportRequest({ shop: gen.slice(b, b + 250).flatMap((t, k) => spansOf(t, b + k)) });
      for (const s of [sampled, all]) {
        const res = await fetch(`${s.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(res.status).toBe(200);
      }
    }
    await eventually(async () => {
      const s = (await getJson(sampled, '/api/sampling')).body;
      return s.traces.buffered === 0 && s.buffer.writing === 0 ? true : undefined;
    }, 30_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sampled?.close(), all?.close()]);
  });

  it('counts, rule by rule, what the sampler kept, and names traces it kept and dropped', async () => {
    const live = (await getJson(sampled, '/api/sampling')).body;
    expect(live.traces.seen).toBe(N);
    expect(live.decided.early).toBe(0);
    const startMs = T0 / MS;
    const sim = await getJson(all, `/api/sampling/simulate?policy=starter&start=${startMs}&end=${startMs + 7_200_000n}`);
    expect(sim.status).toBe(200);
    expect(sim.body.window).toMatchObject({ traces: N, more: false });
    expect(sim.body.tail.kept).toBe(live.traces.kept);
    const liveRules = Object.fromEntries(live.rules.map((r: { rule: string; kept: number; dropped: number }) => [r.rule, r.kept + r.dropped]));
    const simRules = Object.fromEntries(sim.body.tail.rules.map((r: { name: string; traces: number }) => [r.name, r.traces]));
    expect(simRules).toEqual(liveRules);
    expect(live.traces.kept).toBeGreaterThan(N * 0.05); // errors + slow + 1 %: the comparison is not vacuous

    const stored = (id: string) => sampled.reader.getTrace(id).length > 0;
    type Link = { traceId: string };
    type Incident = { examples: { kept: Link[]; missed: Link[] } };
    const examples: Array<{ id: string; kept: boolean }> = [];
    for (const o of [sim.body.tail.errored, sim.body.tail.slow] as Incident[]) {
      for (const e of o.examples.kept) examples.push({ id: e.traceId, kept: true });
      for (const e of o.examples.missed) examples.push({ id: e.traceId, kept: false });
    }
    // A rule's examples are the traces it decided: stored when it keeps, not when it drops (the default drops).
    for (const r of sim.body.tail.rules as Array<{ action: string; examples: Link[] }>) {
      for (const e of r.examples) examples.push({ id: e.traceId, kept: r.action === 'keep' });
    }
    expect(examples.filter((e) => e.kept).length).toBeGreaterThanOrEqual(10);
    expect(examples.filter((e) => !e.kept).length).toBeGreaterThanOrEqual(5);
    for (const e of examples) expect(stored(e.id), e.id).toBe(e.kept);
  });
});
