import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { WritePipeline } from '../../src/ingest/pipeline.js';
import type { DecodedRequest } from '../../src/model/encoded.js';
import { parsePolicy, type Policy } from '../../src/sampling/policy.js';
import { TailSampler, type TailSamplerOptions } from '../../src/ingest/sampler.js';
import { openDatabase } from '../../src/store/open.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { InlineWriter } from '../../src/store/writer-client.js';
import { tempDbPath } from '../helpers/server.js';
import { exportRequest, sid, T0, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';

/**
 * The sampler over real decoded requests (the JSON decoder), writing through the real pipeline into a real store,
 * with a clock the test steps and sweeps it calls itself (sweepMs 0): no timing in the assertions.
 */

const MS = 1_000_000n;
const ERRORS_ONLY = parsePolicy({ name: 'errors-only', rules: [{ name: 'errors', type: 'error' }], default: 'drop' });

interface Rig {
  sampler: TailSampler;
  reader: SqliteTraceReader;
  clock: { ms: number };
  pipeline: WritePipeline;
  close(): Promise<void>;
}

const open: Rig[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

function rig(policy: Policy, o: Partial<TailSamplerOptions> = {}): Rig {
  const { dir, db } = tempDbPath();
  const writer = new InlineWriter({ db, limits: { maxAgeMs: 0, maxSpans: 0, maxDbBytes: 0 } });
  const pipeline = new WritePipeline(writer, { maxQueuedSpans: 200_000 });
  const clock = { ms: 1_000_000 };
  const sampler = new TailSampler(pipeline, { policy, decisionWaitMs: 1_000, maxAgeMs: 10_000, bufferSpans: 10_000, sweepMs: 0, now: () => clock.ms, ...o });
  const rdb = openDatabase(db);
  const reader = new SqliteTraceReader(rdb);
  let closed = false;
  const r: Rig = {
    sampler,
    reader,
    clock,
    pipeline,
    async close() {
      if (closed) return;
      closed = true;
      await sampler.close();
      await pipeline.close();
      rdb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(r);
  return r;
}

/** Lets the writes the sampler started settle (the inline writer commits synchronously inside them). */
const settle = () => new Promise((r) => setTimeout(r, 20));

function span(trace: number, n: number, o: Partial<JsonSpanSpec> = {}): JsonSpanSpec {
  return { traceId: tid(trace), spanId: sid(trace * 100 + n), name: 'work', start: T0, durationNs: 5n * MS, ...o };
}
const root = (trace: number, o: Partial<JsonSpanSpec> = {}) => span(trace, 0, { name: 'GET /', kind: 2, ...o });
const child = (trace: number, n: number, o: Partial<JsonSpanSpec> = {}) => span(trace, n, { parentSpanId: sid(trace * 100), ...o });
const req = (spans: JsonSpanSpec[], service = 'web', resource: Record<string, string> = {}): DecodedRequest =>
  decodeJsonRequest(exportRequest({ [service]: spans }, resource));

describe('the tail sampler', () => {
  it('acknowledges a request once buffered, before any decision, and writes nothing until it decides', async () => {
    const r = rig(ERRORS_ONLY);
    await r.sampler.consume(req([root(1, { error: true }), child(1, 1)]));
    expect(r.sampler.stats().traces).toEqual({ seen: 1, kept: 0, dropped: 0, buffered: 1 });
    await settle();
    expect(r.reader.getTrace(tid(1))).toEqual([]);
  });

  it('decides a trace once its root has ended and no span came for the decision wait', async () => {
    const r = rig(ERRORS_ONLY);
    await r.sampler.consume(req([child(1, 1, { error: true })]));
    r.clock.ms += 600;
    await r.sampler.consume(req([root(1)]));
    r.clock.ms += 999; // 999 ms after the last span: still waiting
    r.sampler.sweep();
    expect(r.sampler.stats().traces.buffered).toBe(1);
    r.clock.ms += 1;
    r.sampler.sweep();
    await settle();
    expect(r.sampler.stats()).toMatchObject({ traces: { seen: 1, kept: 1, dropped: 0, buffered: 0 }, decided: { waited: 1, maxAge: 0 } });
    // Kept whole: both requests' spans in the store.
    expect(r.reader.getTrace(tid(1)).map((s) => s.spanId).sort()).toEqual([sid(100), sid(101)]);
  });

  it('waits for the root span, up to the maximum age', async () => {
    const r = rig(ERRORS_ONLY);
    await r.sampler.consume(req([child(2, 1, { error: true })]));
    for (let t = 0; t < 9; t++) {
      r.clock.ms += 1_000;
      r.sampler.sweep();
    }
    expect(r.sampler.stats().traces.buffered).toBe(1); // 9 s, no root: not decided
    r.clock.ms += 1_000;
    r.sampler.sweep();
    await settle();
    expect(r.sampler.stats()).toMatchObject({ traces: { kept: 1, buffered: 0 }, decided: { waited: 0, maxAge: 1 } });
    expect(r.reader.getTrace(tid(2))).toHaveLength(1);
  });

  it('late spans follow the decision: stored for a kept trace, never for a dropped one', async () => {
    const r = rig(ERRORS_ONLY);
    await r.sampler.consume(req([root(1, { error: true }), root(2)]));
    r.clock.ms += 1_000;
    r.sampler.sweep();
    expect(r.sampler.stats().traces).toMatchObject({ kept: 1, dropped: 1 });
    // A late span of each, in one request; the dropped trace's late span is an error, which cannot change its fate.
    await r.sampler.consume(req([child(1, 7), child(2, 7, { error: true })]));
    await settle();
    expect(r.sampler.stats()).toMatchObject({ lateSpans: { kept: 1, dropped: 1 }, traces: { seen: 2, buffered: 0 } });
    expect(r.reader.getTrace(tid(1)).map((s) => s.spanId).sort()).toEqual([sid(100), sid(107)]);
    expect(r.reader.getTrace(tid(2))).toEqual([]);
  });

  it('forgets the oldest decisions past its memory: a late span then starts a new trace', async () => {
    const r = rig(ERRORS_ONLY, { rememberTraces: 2 });
    await r.sampler.consume(req([root(1), root(2), root(3)]));
    r.clock.ms += 1_000;
    r.sampler.sweep();
    await r.sampler.consume(req([child(1, 1), child(3, 1)]));
    expect(r.sampler.stats()).toMatchObject({ lateSpans: { kept: 0, dropped: 1 }, traces: { seen: 4, buffered: 1 } });
  });

  it('when the buffer is full decides the oldest traces early, counts them, and never holds more than its bound', async () => {
    const r = rig(ERRORS_ONLY, { bufferSpans: 50 });
    let maxHeld = 0;
    for (let i = 1; i <= 40; i++) {
      // 40 traces of 5 spans over 40 requests; every 4th trace fails.
      await r.sampler.consume(req([root(i, { error: i % 4 === 0 }), child(i, 1), child(i, 2), child(i, 3), child(i, 4)]));
      maxHeld = Math.max(maxHeld, r.sampler.stats().buffer.spans);
    }
    const s = r.sampler.stats();
    expect(maxHeld).toBe(50);
    expect(s.decided.early).toBe(30); // 200 spans through a 50-span buffer: the 30 oldest traces decided early
    expect(s.buffer).toMatchObject({ spans: 50, traces: 10, maxSpans: 50 });
    await r.sampler.close();
    await r.pipeline.close();
    // Closed: the remaining ten decided at shutdown; every failed trace stored whole, no other.
    expect(r.sampler.stats().decided).toMatchObject({ early: 30, shutdown: 10 });
    const stored = Array.from({ length: 40 }, (_, k) => k + 1).filter((i) => r.reader.getTrace(tid(i)).length > 0);
    expect(stored).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    for (const i of stored) expect(r.reader.getTrace(tid(i))).toHaveLength(5);
  });

  it('close with a full buffer decides everything and writes every kept trace before it resolves', async () => {
    const r = rig(ERRORS_ONLY, { bufferSpans: 3_000 });
    const failed: number[] = [];
    for (let b = 0; b < 10; b++) {
      const spans: JsonSpanSpec[] = [];
      for (let i = b * 100 + 1; i <= b * 100 + 100; i++) {
        const err = i % 7 === 0;
        if (err) failed.push(i);
        spans.push(root(i), child(i, 1, { error: err }), child(i, 2));
      }
      await r.sampler.consume(req(spans));
    }
    expect(r.sampler.stats().buffer.spans).toBe(3_000);
    const reader = r.reader;
    const sampler = r.sampler;
    await sampler.close();
    await r.pipeline.close();
    const s = sampler.stats();
    expect(s.decided.shutdown).toBe(1_000);
    expect(s.traces).toEqual({ seen: 1_000, kept: failed.length, dropped: 1_000 - failed.length, buffered: 0 });
    expect(s.writes).toMatchObject({ spans: failed.length * 3, failedSpans: 0 });
    for (const i of failed) expect(reader.getTrace(tid(i))).toHaveLength(3);
    expect(reader.getTrace(tid(1))).toEqual([]);
    // The store holds exactly the failed traces.
    const stored = Array.from({ length: 1_000 }, (_, k) => k + 1).filter((i) => reader.getTrace(tid(i)).length > 0);
    expect(stored).toEqual(failed);
  });

  it('refuses new requests after close', async () => {
    const r = rig(ERRORS_ONLY);
    await r.sampler.close();
    await expect(r.sampler.consume(req([root(1)]))).rejects.toThrow(/shutting down/);
  });

  it('attribute rules read span and resource attributes from the buffered chunks', async () => {
    const policy = parsePolicy({
      name: 'attrs',
      rules: [
        { name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' },
        { name: 'vip', type: 'attribute', key: 'customer.tier', match: '^gold' },
        { name: 'canary', type: 'attribute', key: 'deployment.environment', value: 'canary' },
      ],
      default: 'drop',
    });
    const r = rig(policy);
    await r.sampler.consume(req([root(1, { attributes: { 'http.route': '/health' } }), child(1, 1, { attributes: { 'customer.tier': 'gold' } })]));
    await r.sampler.consume(req([root(2), child(2, 1, { attributes: { 'customer.tier': 'gold-plus' } })]));
    await r.sampler.consume(req([root(3)], 'web', { 'deployment.environment': 'canary' }));
    await r.sampler.consume(req([root(4, { attributes: { 'customer.tier': 'silver' } })], 'web', { 'deployment.environment': 'prod' }));
    r.clock.ms += 1_000;
    r.sampler.sweep();
    await settle();
    const rules = Object.fromEntries(r.sampler.stats().rules.map((x) => [x.rule, [x.kept, x.dropped]]));
    expect(rules).toEqual({ health: [0, 1], vip: [1, 0], canary: [1, 0], default: [0, 1] });
    expect([1, 2, 3, 4].map((i) => r.reader.getTrace(tid(i)).length)).toEqual([0, 2, 1, 0]);
  });

  it('counters add up: seen = kept + dropped + buffered, per-rule sums, decided reasons', async () => {
    const r = rig(parsePolicy({ rules: [{ name: 'errors', type: 'error' }, { name: 'half', type: 'probabilistic', rate: 0.5 }] }));
    for (let i = 1; i <= 300; i++) await r.sampler.consume(req([root(i, { error: i % 10 === 0 })]));
    r.clock.ms += 1_000;
    await r.sampler.consume(req([root(301)]));
    r.sampler.sweep();
    await settle();
    const s = r.sampler.stats();
    expect(s.traces.seen).toBe(s.traces.kept + s.traces.dropped + s.traces.buffered);
    expect(s.traces.buffered).toBe(1);
    expect(s.rules.reduce((a, x) => a + x.kept, 0)).toBe(s.traces.kept);
    expect(s.rules.reduce((a, x) => a + x.dropped, 0)).toBe(s.traces.dropped);
    expect(s.decided.waited).toBe(300);
    expect(s.rules.find((x) => x.rule === 'errors')).toEqual({ rule: 'errors', kept: 30, dropped: 0 });
    expect(s.writes.spans).toBe(s.spans.kept);
  });
});
