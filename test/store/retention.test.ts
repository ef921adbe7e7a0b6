import { afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.js';
import { NS_PER_MINUTE } from '../../src/store/minute-stats.js';
import { storeStats } from '../../src/store/reader.js';
import { dumpStore, rowCounts } from '../fixtures/store-dump.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore, type TempStoreOptions } from '../fixtures/store-spans.js';

/**
 * Retention (store/retention.ts) through the writer's own path: each trace written in its own commit on an
 * explicit clock (the writer's `now`, which is what the age limit reads), then `housekeep(now)` as the writer
 * runs it between commits. Traces are deleted oldest first, in arrival order.
 */

const stores: TempStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
function open(opts: TempStoreOptions): TempStore {
  const s = tempStore(opts);
  stores.push(s);
  return s;
}

/** The writer's clock when trace 0 arrives; trace i arrives i seconds later. */
const W0 = 1_800_000_000_000;
const WEB = makeResource('web', { 'deployment.environment': 'prod' });
const API = makeResource('api');

/** Trace i: web → api (a traced call), an uninstrumented call to db, 4 spans, starting i × 10 s after BASE_NS. */
function trace(i: number): Span[] {
  const t = traceId(100 + i);
  const start = BASE_NS + BigInt(i) * 10_000n * MS;
  const at = (ms: number) => start + BigInt(ms) * MS;
  const s = (id: number, parent: number, resource: typeof WEB, name: string, kind: number, from: number, to: number, attributes = {}) =>
    makeSpan({ traceId: t, spanId: spanId(id), parentSpanId: parent ? spanId(parent) : '', resource, name, kind,
      startTimeUnixNano: at(from), endTimeUnixNano: at(to), attributes }); // prettier-ignore
  return [
    s(1, 0, WEB, `GET /page/${i % 3}`, 2, 0, 40, { 'http.route': `/page/${i % 3}`, 'http.response.status_code': i % 4 === 0 ? 500 : 200 }),
    s(2, 1, WEB, 'GET', 3, 5, 30, { 'peer.service': 'api' }),
    s(3, 2, API, 'GET /items', 2, 6, 29, { 'server.address': 'api.internal', 'server.port': 80 }),
    s(4, 3, API, 'SELECT', 3, 10, 20, { 'db.system': 'postgresql', 'server.address': 'db', 'server.port': 5432 }),
  ];
}

function writeAll(store: TempStore, traces: number[], at = (i: number) => W0 + i * 1000): void {
  for (const i of traces) store.write(trace(i), at(i));
}

const all = { errorOnly: false, attrs: [], limit: 1000 };
const stored = (s: TempStore) => s.reader.findTraces(all).map((t) => Number.parseInt(t.traceId, 16) - 100).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** What retention must leave: only the kept traces' rows, and the stats of the minutes after the horizon as if only they had been written. */
function expectOnly(store: TempStore, kept: number[]): void {
  expect(stored(store)).toEqual(kept);
  store.committer.expire(W0 + 3_600_000);
  const fresh = open({ graceMs: 6_000 });
  writeAll(fresh, kept);
  fresh.committer.expire(W0 + 3_600_000);
  const per = ['trace_rows', 'trace_service_rows', 'entry_spans'] as const;
  expect(dumpStore(store.db, per)).toEqual(dumpStore(fresh.db, per));
  expectNothingLeftOf(store);
  expect(storeStats(store.db)).toEqual({ ...storeStats(fresh.db), dimensions: storeStats(store.db).dimensions });
  // Postings whose traces all started before the oldest kept one are gone; the others may still name deleted traces.
  const oldest = store.db.prepare('SELECT min(start_ns) FROM trace_rows').pluck().safeIntegers(true).get() as bigint;
  for (const t of ['op_postings', 'attr_postings']) {
    expect(store.db.prepare(`SELECT count(*) FROM ${t} WHERE max_start_ns < ?`).pluck().get(oldest), t).toBe(0);
  }
  // Stats and graph of the whole minutes after the oldest kept trace's are those of the kept traces alone.
  const horizonMinute = Number(oldest / NS_PER_MINUTE);
  const minutes = ['op_minutes', 'service_minutes', 'trace_minutes', 'dependency_minutes'] as const;
  const after = (s: TempStore) =>
    Object.fromEntries(Object.entries(dumpStore(s.db, minutes)).map(([t, rows]) => [t, (rows as Array<{ minute: bigint }>).filter((r) => r.minute > horizonMinute)]));
  expect(after(store)).toEqual(after(fresh));
  const gone = store.db.prepare('SELECT count(*) FROM op_minutes WHERE minute < ?').pluck().get(horizonMinute);
  expect(gone).toBe(0);
  // Nothing a reader shows names a deleted trace.
  for (let i = 0; i < 40; i++) if (!kept.includes(i)) expect(store.reader.getTrace(traceId(100 + i))).toEqual([]);
  for (const q of [{ service: 'api' }, { operation: 'SELECT' }, { attrs: [{ key: 'http.route', value: '/page/1' }] }, { attrs: [{ key: 'server.port', value: '80' }] }]) {
    const found = store.reader.findTraces({ ...all, ...q }).map((t) => t.traceId);
    expect(found.every((id) => kept.includes(Number.parseInt(id, 16) - 100)), JSON.stringify(q)).toBe(true);
  }
  const entries = store.analysis.rootSpansBetween(0n, BASE_NS * 2n, '').map((s) => Number.parseInt(s.traceId, 16) - 100);
  expect(entries).toEqual(kept);
}

/** No chunk, per-service row or entry span of a deleted trace is left behind. */
function expectNothingLeftOf(store: TempStore): void {
  for (const table of ['chunks', 'trace_service_rows', 'entry_spans']) {
    expect(store.db.prepare(`SELECT count(*) FROM ${table} WHERE trace_ref NOT IN (SELECT id FROM trace_rows)`).pluck().get(), table).toBe(0);
  }
}

describe('maxAgeMs', () => {
  it('deletes the traces written longer ago than the limit, and only those', () => {
    const store = open({ graceMs: 6_000, limits: { maxAgeMs: 5_000 } });
    writeAll(store, range(0, 20));
    // At W0 + 19 s + 1 ms the limit reaches back to W0 + 14.001 s: traces 0..14 arrived before.
    const deleted = store.housekeep(W0 + 19_001);
    expect(deleted).toHaveLength(15);
    expectOnly(store, range(15, 20));
    expect(store.retention!.spanTotal).toBe(20);
    expect(store.housekeep(W0 + 19_001)).toEqual([]);
  });

  it('goes by arrival: a trace sent late with old timestamps is kept for the whole period', () => {
    const store = open({ graceMs: 6_000, limits: { maxAgeMs: 5_000 } });
    writeAll(store, [...range(1, 10), 0], (i) => (i === 0 ? W0 + 10_000 : W0 + i * 1000));
    store.housekeep(W0 + 12_000);
    expect(stored(store)).toEqual([0, 7, 8, 9]);
    // The deleted traces started after the one kept: their entry spans go with them all the same.
    expectNothingLeftOf(store);
    expect(store.analysis.rootSpansBetween(0n, BASE_NS * 2n, '').map((x) => Number.parseInt(x.traceId, 16) - 100)).toEqual([0, 7, 8, 9]);
  });
});

describe('maxSpans', () => {
  it('deletes the oldest traces until the spans fit, no more', () => {
    const store = open({ graceMs: 6_000, limits: { maxSpans: 30 } });
    writeAll(store, range(0, 20));
    expect(store.retention!.spanTotal).toBe(80);
    expect(store.housekeep(W0 + 20_000)).toHaveLength(13);
    expect(store.retention!.spanTotal).toBe(28);
    expectOnly(store, range(13, 20));
    // The count survives a restart (store_meta), and a retried export of a deleted trace is a new trace.
    const again = store.reopen();
    stores.push(again);
    expect(again.retention!.spanTotal).toBe(28);
    again.write(trace(19), W0 + 21_000);
    expect(again.retention!.spanTotal).toBe(28);
    again.write(trace(0), W0 + 21_000);
    expect(again.retention!.spanTotal).toBe(32);
    expect(again.housekeep(W0 + 21_000)).toHaveLength(1);
    expect(stored(again)).toEqual([0, 14, 15, 16, 17, 18, 19]);
  });

  it('a late span of a deleted trace starts a new trace row', () => {
    const store = open({ graceMs: 6_000, limits: { maxSpans: 4 } });
    writeAll(store, [0, 1]);
    store.housekeep(W0 + 2_000);
    expect(stored(store)).toEqual([1]);
    store.write([makeSpan({ traceId: traceId(100), spanId: spanId(9), parentSpanId: spanId(1), startTimeUnixNano: BASE_NS + 1n })], W0 + 3_000);
    expect(store.reader.findTraces(all).find((t) => t.traceId === traceId(100))).toMatchObject({ spanCount: 1 });
    expect(store.reader.getTrace(traceId(100)).map((s) => s.spanId)).toEqual([spanId(9)]);
  });
});

describe('maxDbBytes', () => {
  it('keeps the live database under the limit, deleting the oldest traces, and reuses the freed pages', () => {
    const limit = 10 * 1024 * 1024;
    const store = open({ graceMs: 6_000, limits: { maxDbBytes: limit } });
    const payload = (i: number) => `${i}:`.padEnd(2_000, 'abcdefghijklmnopqrstuvwxyz0123456789');
    let deleted = 0;
    let maxLive = 0;
    let i = 0;
    // ~30 MB of spans in commits of 200 traces, housekeeping after each commit as the writer does.
    for (let commit = 0; commit < 40; commit++) {
      const spans: Span[] = [];
      for (let k = 0; k < 200; k++, i++) spans.push(...trace(i).map((s) => ({ ...s, attributes: { ...s.attributes, payload: payload(i) } })));
      store.write(spans, W0 + i);
      deleted += store.housekeep(W0 + i).length;
      const pages = Number(store.db.pragma('page_count', { simple: true })) - Number(store.db.pragma('freelist_count', { simple: true }));
      maxLive = Math.max(maxLive, pages * Number(store.db.pragma('page_size', { simple: true })));
      expect(pages * Number(store.db.pragma('page_size', { simple: true }))).toBeLessThanOrEqual(limit * 0.9);
    }
    expect(deleted).toBeGreaterThan(4_000);
    expect(maxLive).toBeGreaterThan(limit * 0.75);
    // The newest traces are kept: a suffix of the arrival order.
    const kept = store.reader.findTraces({ ...all, limit: 10_000 }).map((t) => Number.parseInt(t.traceId, 16) - 100);
    expect(kept.length).toBe(8_000 - deleted);
    expect(Math.min(...kept)).toBe(deleted);
    // Freed pages are reused: the file stops growing near the limit.
    expect(store.retention!.stats().dbBytes).toBeLessThan(limit * 1.5);
  });
});

describe('clearAll', () => {
  it('empties every per-trace and derived table; writing again is like writing into a fresh store', () => {
    const store = open({ graceMs: 6_000, limits: {} });
    writeAll(store, range(0, 6));
    store.committer.expire(W0 + 60_000);
    store.retention!.clearAll();
    store.committer.reset();
    expect(Object.values(rowCounts(store.db)).every((n) => n === 0)).toBe(true);
    expect(store.retention!.spanTotal).toBe(0);
    expect(store.reader.findTraces(all)).toEqual([]);
    expect(store.reader.findTraces({ ...all, service: 'web' })).toEqual([]);
    expect(store.reader.findTraces({ ...all, attrs: [{ key: 'http.route', value: '/page/1' }] })).toEqual([]);
    expect(store.reader.getTrace(traceId(100))).toEqual([]);
    expect(store.reader.services()).toEqual([]);
    expect(store.stats.serviceStats()).toEqual([]);
    expect(store.analysis.dependencies(0n, BASE_NS * 2n)).toEqual({ edges: [], traces: 0 });
    expect(store.analysis.rootSpansBetween(0n, BASE_NS * 2n, '')).toEqual([]);

    writeAll(store, range(0, 6));
    store.committer.expire(W0 + 60_000);
    const fresh = open({ graceMs: 6_000, limits: {} });
    writeAll(fresh, range(0, 6));
    fresh.committer.expire(W0 + 60_000);
    expect(dumpStore(store.db)).toEqual(dumpStore(fresh.db));
    expect(stored(store)).toEqual(range(0, 6));
  });
});
