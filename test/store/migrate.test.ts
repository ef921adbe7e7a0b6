import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSpans } from '../../src/codec/index.js';
import type { Span } from '../../src/model/span.js';
import { listMigrations, migrate, migrationsDir, SchemaVersionError } from '../../src/store/migrate.js';
import { checkpoint, openDatabase, type Db } from '../../src/store/open.js';
import { SqliteTraceReader, storeStats } from '../../src/store/reader.js';
import { Retention } from '../../src/store/retention.js';
import { dumpStore } from '../fixtures/store-dump.js';
import { legacyScenario, span as propagationSpan } from '../fixtures/propagation-spans.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

let dir: string;
let db: Db | undefined;
const stores: TempStore[] = [];

function fresh(): Db {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-migrate-'));
  db = openDatabase(path.join(dir, 'nested', 'folder', 'x.db'));
  return db;
}

afterEach(() => {
  db?.close();
  db = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  for (const s of stores.splice(0)) s.close();
});

/** A folder holding the first `n` migrations only: the schema of an older tracelite. */
function firstMigrations(n: number): string {
  const to = path.join(dir, `v${n}`);
  fs.mkdirSync(to);
  for (const m of listMigrations(migrationsDir()).slice(0, n)) fs.copyFileSync(m.file, path.join(to, m.name));
  return to;
}

describe('openDatabase', () => {
  it('creates the parent folder and sets the pragmas', () => {
    const d = fresh();
    expect(fs.existsSync(path.join(dir, 'nested', 'folder'))).toBe(true);
    expect(d.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(d.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(d.pragma('wal_autocheckpoint', { simple: true })).toBe(100_000);
    expect(d.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('runs a passive checkpoint on demand', () => {
    const d = fresh();
    migrate(d);
    const result = checkpoint(d);
    expect(result.busy).toBe(0);
    expect(result.checkpointed).toBe(result.log);
  });
});

describe('migrate', () => {
  it('finds the migrations folder from the source tree', () => {
    expect(fs.existsSync(path.join(migrationsDir(), '001-init.sql'))).toBe(true);
  });

  it('brings a fresh database to the number of migrations, then is a no-op', () => {
    const d = fresh();
    const count = listMigrations(migrationsDir()).length;
    expect(count).toBe(6);
    expect(migrate(d)).toEqual({ from: 0, to: count });
    expect(d.pragma('user_version', { simple: true })).toBe(count);
    expect(migrate(d)).toEqual({ from: count, to: count });
    const tables = d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'attribute_keys', 'chunks', 'dependency_minutes', 'dimensions', 'endpoints', 'entry_spans', 'op_hours', 'op_minutes', 'op_postings',
      'operation_names', 'service_hours', 'service_minutes', 'service_names', 'store_meta', 'attr_postings', 'trace_minutes', 'trace_rows',
      'trace_service_rows', 'sqlite_sequence',
    ].sort()); // prettier-ignore
  });

  it('refuses a database written by a newer version', () => {
    const d = fresh();
    d.pragma('user_version = 999');
    expect(() => migrate(d)).toThrow(SchemaVersionError);
    expect(() => migrate(d)).toThrow(/version 999 is newer/);
  });

  it('applies each migration in its own transaction and stops at a failing one', () => {
    const d = fresh();
    const migDir = path.join(dir, 'migs');
    fs.mkdirSync(migDir);
    fs.writeFileSync(path.join(migDir, '001-a.sql'), 'CREATE TABLE a (x INTEGER);');
    fs.writeFileSync(path.join(migDir, '002-b.sql'), 'CREATE TABLE b (x INTEGER); SELECT nope FROM missing;');
    fs.writeFileSync(path.join(migDir, 'README.md'), 'not a migration');
    expect(() => migrate(d, migDir)).toThrow(/missing/);
    expect(d.pragma('user_version', { simple: true })).toBe(1);
    const tables = d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['a']); // b rolled back with its failing statement
  });

  it('rejects a gap in the numbering', () => {
    const migDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-migs-'));
    dir = migDir;
    fs.writeFileSync(path.join(migDir, '001-a.sql'), '');
    fs.writeFileSync(path.join(migDir, '003-c.sql'), '');
    expect(() => listMigrations(migDir)).toThrow(/expected version 2/);
  });
});

// ---- 0.1 databases: rows inserted with the SQL 0.1 ran, from Span objects ----

/** Inserts spans into the 001 schema as 0.1's writer stored them (attributes as JSON text, summaries per trace). */
function insertV1(d: Db, spans: readonly Span[]): void {
  const resources = new Map<string, number>();
  const scopes = new Map<string, number>();
  const insResource = d.prepare('INSERT INTO resources (id, service, attributes, dropped_attributes_count) VALUES (?, ?, ?, ?)');
  const insScope = d.prepare('INSERT INTO scopes (id, name, version, attributes, dropped_attributes_count) VALUES (?, ?, ?, ?, ?)');
  const insSpan = d.prepare(`INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns,
    status_code, status_message, trace_state, flags, attributes, events, links, dropped_attributes_count, dropped_events_count,
    dropped_links_count, resource_id, scope_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insTrace = d.prepare('INSERT INTO traces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insTraceService = d.prepare('INSERT INTO trace_services VALUES (?, ?, ?, ?)');
  const insService = d.prepare('INSERT INTO services VALUES (?, ?, ?, ?)');
  const idOf = (map: Map<string, number>, key: string, insert: (id: number) => void) => {
    let id = map.get(key);
    if (id === undefined) {
      map.set(key, (id = map.size + 1));
      insert(id);
    }
    return id;
  };
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) {
    const r = JSON.stringify([s.resource.attributes, s.resource.droppedAttributesCount]);
    const resource = idOf(resources, r, (id) => insResource.run(id, s.service, JSON.stringify(s.resource.attributes), s.resource.droppedAttributesCount));
    const sc = s.scope;
    const scope = idOf(scopes, JSON.stringify(sc), (id) => insScope.run(id, sc.name, sc.version, JSON.stringify(sc.attributes), sc.droppedAttributesCount));
    const events = s.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano.toString() }));
    insSpan.run(
      s.traceId, s.spanId, s.parentSpanId, s.service, s.name, s.kind, s.startTimeUnixNano, s.endTimeUnixNano,
      s.endTimeUnixNano - s.startTimeUnixNano, s.statusCode, s.statusMessage, s.traceState, s.flags, JSON.stringify(s.attributes),
      JSON.stringify(events), JSON.stringify(s.links), s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount, resource, scope,
    ); // prettier-ignore
    byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  }
  const perService = new Map<string, { spans: number; traces: number }>();
  for (const [id, list] of byTrace) {
    const s = summaryOf(list);
    // 0.1 counted status ERROR only; 002 recounts by the error flag.
    const errors = list.filter((x) => x.statusCode === 2).length;
    insTrace.run(id, s.startNs, s.endNs, s.endNs - s.startNs, list.length, errors, s.root.service, s.root.name, s.root.startTimeUnixNano,
      s.root.parentSpanId === '' ? 1 : 0, JSON.stringify(s.services)); // prettier-ignore
    for (const service of s.services) {
      insTraceService.run(id, service, s.startNs, s.endNs - s.startNs);
      const p = perService.get(service) ?? { spans: 0, traces: 0 };
      p.traces++;
      p.spans += list.filter((x) => x.service === service).length;
      perService.set(service, p);
    }
  }
  for (const [name, p] of perService) insService.run(name, p.spans, p.traces, 0);
}

/** A trace's summary as 0.1 (and store v2) define it: the root (else the earliest span) names it. */
function summaryOf(list: readonly Span[]) {
  const roots = list.filter((s) => s.parentSpanId === '');
  const pool = roots.length > 0 ? roots : list;
  const root = [...pool].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0))[0];
  const startNs = list.reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), list[0].startTimeUnixNano);
  const endNs = list.reduce((m, s) => (s.endTimeUnixNano > m ? s.endTimeUnixNano : m), list[0].endTimeUnixNano);
  return { root, startNs, endNs, services: [...new Set(list.map((s) => s.service))].sort() };
}

/**
 * What a 0.1 user had: the legacy → inventory scenario (a call that lost its trace, an uninstrumented
 * database), and traces with every JSON attribute type, events, links, dropped counts, both error rules of 002,
 * an orphan and two minutes. JSON cannot tell 1.0 from 1, so the doubles here are not whole numbers.
 */
function v1Spans(): Span[] {
  const { trace1, trace2 } = legacyScenario();
  const at = (ms: number) => BASE_NS + BigInt(ms) * MS;
  const shop = makeResource('shop', { 'deployment.environment': 'prod', 'process.command_args': ['node', 'shop.js'], 'k8s.replicas': 3 });
  const pay = makeResource('pay');
  const rich = makeSpan({
    traceId: traceId(10), spanId: spanId(1), name: 'GET /', kind: 2, resource: shop, traceState: 'k=v', flags: 0x301,
    startTimeUnixNano: at(0), endTimeUnixNano: at(50),
    attributes: {
      'http.route': '/', 'http.response.status_code': 500, ratio: 0.25, ok: true, none: null, big: '4611686018427387904',
      tags: ['a', 1, false, null, [1.5]], nested: { k: 'v', n: { deep: -2 } }, empty: {}, list: [],
    },
    droppedAttributesCount: 2,
    events: [{ name: 'exception', timeUnixNano: at(40), attributes: { 'exception.type': 'Boom', 'exception.message': 'x' }, droppedAttributesCount: 1 }],
    droppedEventsCount: 3,
    links: [{ traceId: traceId(11), spanId: spanId(9), traceState: 'a=b', attributes: { why: 'retry' }, droppedAttributesCount: 0, flags: 1 }],
    droppedLinksCount: 4,
    statusMessage: '',
  }); // prettier-ignore
  rich.resource = { ...rich.resource, droppedAttributesCount: 5 };
  rich.scope = { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: { s: 'x' }, droppedAttributesCount: 6 };
  return [
    ...trace1,
    ...trace2,
    rich,
    makeSpan({ traceId: traceId(10), spanId: spanId(2), parentSpanId: spanId(1), name: 'GET', kind: 3, resource: shop,
      startTimeUnixNano: at(5), endTimeUnixNano: at(30), attributes: { 'server.address': 'pay', 'server.port': 80, 'http.response.status_code': 404 } }),
    makeSpan({ traceId: traceId(10), spanId: spanId(3), parentSpanId: spanId(2), name: 'POST /pay', kind: 2, resource: pay,
      startTimeUnixNano: at(6), endTimeUnixNano: at(29), statusCode: 2, statusMessage: 'declined', attributes: { 'server.port': 80 } }),
    makeSpan({ traceId: traceId(10), spanId: spanId(4), parentSpanId: spanId(3), name: 'audit', kind: 1, resource: pay,
      startTimeUnixNano: at(7), endTimeUnixNano: at(8), statusCode: 1, attributes: { 'http.response.status_code': 503 } }),
    // An orphan (its parent never arrived) a minute later, and a job.
    makeSpan({ traceId: traceId(12), spanId: spanId(5), parentSpanId: spanId(99), name: 'consume', kind: 5, resource: pay,
      startTimeUnixNano: at(70_000), endTimeUnixNano: at(70_010), attributes: { 'messaging.destination.name': 'payments' } }),
    makeSpan({ traceId: traceId(13), spanId: spanId(6), name: 'nightly', kind: 1, resource: makeResource('cron'),
      startTimeUnixNano: at(71_000), endTimeUnixNano: at(72_000) }),
  ]; // prettier-ignore
}

/** The same spans written fresh through the Committer, in the order and on the clock the 004 data step uses. */
function writtenFresh(spans: readonly Span[]): TempStore {
  const store = tempStore({ limits: {} });
  stores.push(store);
  const traces = [...new Set(spans.map((s) => s.traceId))]
    .map((id) => ({ id, ...summaryOf(spans.filter((s) => s.traceId === id)) }))
    .sort((a, b) => (a.startNs !== b.startNs ? (a.startNs < b.startNs ? -1 : 1) : a.id < b.id ? -1 : 1));
  const ordered = traces.flatMap((t) =>
    spans
      .filter((s) => s.traceId === t.id)
      .sort((a, b) => (a.startTimeUnixNano !== b.startTimeUnixNano ? (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) : a.spanId < b.spanId ? -1 : 1)),
  );
  store.committer.commit(encodeSpans(ordered), Number(traces[traces.length - 1].startNs / MS));
  store.committer.expire(Number.MAX_SAFE_INTEGER);
  return store;
}

function v1Database(spans: readonly Span[], upTo = 1): Db {
  const d = fresh();
  migrate(d, firstMigrations(upTo));
  insertV1(d, spans);
  return d;
}

describe('002: the stored error flag', () => {
  it('decides the flag for spans written by 0.1 and recounts the summaries by it', () => {
    const d = fresh();
    migrate(d, firstMigrations(1));
    const row = (spanId: string, kind: number, status: number, attrs: object) =>
      d.prepare(`INSERT INTO spans VALUES ('t1', ?, '', 'svc', 'op', ?, 1, 2, 1, ?, '', '', 1, ?, '[]', '[]', 0, 0, 0, 1, 1)`)
        .run(spanId, kind, status, JSON.stringify(attrs));
    row('a', 2, 0, { 'http.response.status_code': 500 }); // 5xx without a status: failed
    row('b', 3, 0, { 'http.status_code': 404 }); // client 4xx: failed
    row('c', 2, 0, { 'http.response.status_code': 404 }); // server 4xx: not failed
    row('d', 1, 2, {}); // status ERROR
    row('e', 2, 1, { 'http.response.status_code': 500 }); // status OK wins
    d.prepare(`INSERT INTO traces VALUES ('t1', 1, 2, 1, 5, 1, 'svc', 'op', 1, 1, '["svc"]')`).run();
    d.prepare(`INSERT INTO services VALUES ('svc', 5, 1, 1)`).run();
    migrate(d, firstMigrations(2));
    const flags = d.prepare('SELECT span_id, error FROM spans ORDER BY span_id').raw().all();
    expect(flags).toEqual([['a', 1], ['b', 1], ['c', 0], ['d', 1], ['e', 0]]);
    expect(d.prepare("SELECT error_count FROM traces WHERE trace_id = 't1'").pluck().get()).toBe(3);
    expect(d.prepare("SELECT error_count FROM services WHERE name = 'svc'").pluck().get()).toBe(3);
  });
});

describe('003: per-minute stats', () => {
  it('fills the stats of spans already stored exactly as the writer keeps them', () => {
    const spans = v1Spans();
    const d = v1Database(spans, 1);
    migrate(d, firstMigrations(3));
    const tables = ['op_minutes', 'service_minutes', 'endpoints'] as const;
    const filled = dumpStore(d, tables);
    expect(filled.op_minutes).toHaveLength(12);
    expect(filled).toEqual(dumpStore(writtenFresh(spans).db, tables));
  });
});

describe('a 0.1 database migrated to store v2 (002 → 006)', () => {
  it('keeps every span, read back through the new reader equal to what was inserted', () => {
    const spans = v1Spans();
    const d = v1Database(spans);
    expect(migrate(d)).toEqual({ from: 1, to: 6 });
    const tables = d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('spans', 'traces', 'resources', 'scopes', 'trace_services')").all();
    expect(tables).toEqual([]);
    const reader = new SqliteTraceReader(d);
    expect(storeStats(d)).toMatchObject({ spans: spans.length, traces: 5 });
    for (const id of new Set(spans.map((s) => s.traceId))) {
      const want = spans
        .filter((s) => s.traceId === id)
        .sort((a, b) => (a.startTimeUnixNano !== b.startTimeUnixNano ? (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) : a.spanId < b.spanId ? -1 : 1));
      expect(reader.getTrace(id), id).toEqual(want);
    }
  });

  it('keeps every summary, errors counted by the flag 002 decided', () => {
    const spans = v1Spans();
    const d = v1Database(spans);
    const before = d.prepare('SELECT * FROM traces ORDER BY start_ns DESC, trace_id DESC').safeIntegers(true).all() as Array<Record<string, unknown>>;
    migrate(d);
    const found = new SqliteTraceReader(d).findTraces({ errorOnly: false, attrs: [], limit: 100 });
    expect(found).toEqual(
      before.map((t) => ({
        traceId: t.trace_id, rootService: t.root_service, rootName: t.root_name, startTimeUnixNano: t.start_ns, durationNs: t.duration_ns,
        spanCount: Number(t.span_count), services: JSON.parse(t.services as string),
        errorCount: spans.filter((s) => s.traceId === t.trace_id && s.error).length,
      })), // prettier-ignore
    );
    expect(found.find((t) => t.traceId === traceId(10))?.errorCount).toBe(3); // 5xx unset, client 404, status ERROR; not the OK 503
  });

  it('builds the stats, the graph, entry spans and postings that writing the same spans fresh builds', () => {
    const spans = v1Spans();
    const d = v1Database(spans);
    migrate(d);
    const migrated = dumpStore(d);
    const written = dumpStore(writtenFresh(spans).db);
    expect(migrated).toEqual(written);
    // And they are not empty: the legacy → inventory shape came through.
    const edges = (migrated.dependency_minutes as Array<Record<string, unknown>>).map((e) => [e.parent, e.child, Number(e.kind)]);
    expect(edges).toEqual(
      expect.arrayContaining([
        ['frontend', 'legacy', 0],
        ['legacy', 'inventory', 2],
        ['inventory', 'db.internal:5432', 1],
        ['shop', 'pay', 0],
      ]),
    );
    expect(migrated.entry_spans.length).toBeGreaterThanOrEqual(4);
    expect(migrated.op_postings.length).toBeGreaterThan(5);
    expect(migrated.attr_postings.length).toBeGreaterThan(5);
  });

  it('starts retention with the count of the spans it moved', () => {
    const spans = v1Spans();
    const d = v1Database(spans);
    migrate(d);
    expect(new Retention(d, { maxAgeMs: 0, maxSpans: 0, maxDbBytes: 0 }).spanTotal).toBe(spans.length);
  });

  it('search finds the migrated traces by every filter', () => {
    const d = v1Database(v1Spans());
    migrate(d);
    const reader = new SqliteTraceReader(d);
    const find = (q: object) => reader.findTraces({ errorOnly: false, attrs: [], limit: 100, ...q }).map((t) => t.traceId);
    expect(find({ service: 'pay', errorOnly: true })).toEqual([traceId(10)]);
    expect(find({ operation: 'POST /pay' })).toEqual([traceId(10)]);
    expect(find({ attrs: [{ key: 'http.route', value: '/' }] })).toEqual([traceId(10)]);
    expect(find({ attrs: [{ key: 'exception.type', value: 'Boom' }] })).toEqual([traceId(10)]);
    expect(find({ attrs: [{ key: 'deployment.environment', value: 'prod' }] })).toEqual([traceId(10)]);
    expect(find({ attrs: [{ key: 'k8s.replicas', value: '3' }] })).toEqual([traceId(10)]);
    expect(find({ service: 'inventory', alsoServices: ['inventory'] })).toHaveLength(1);
  });

  it('moves a big database in several commits, every span with its service and resource', () => {
    // 1,200 traces of 5 spans: the data step commits 500 traces (2,500 spans) at a time.
    const resources = ['web', 'api', 'db'].map((service) => makeResource(service, { 'deployment.environment': 'prod' }));
    const spans = Array.from({ length: 1_200 }, (_, t) =>
      Array.from({ length: 5 }, (_, k) =>
        makeSpan({
          traceId: traceId(1_000 + t), spanId: spanId(k + 1), parentSpanId: k === 0 ? '' : spanId(k), name: `op-${k}`,
          kind: k === 0 ? 2 : 1, resource: resources[k % 3], startTimeUnixNano: BASE_NS + BigInt(t * 1000 + k) * MS,
          endTimeUnixNano: BASE_NS + BigInt(t * 1000 + k + 1) * MS,
        }), // prettier-ignore
      ),
    ).flat();
    const d = v1Database(spans);
    migrate(d);
    expect(storeStats(d)).toMatchObject({ spans: 6_000, traces: 1_200 });
    const services = d.prepare('SELECT name FROM service_names ORDER BY name').pluck().all();
    expect(services).toEqual(['api', 'db', 'web']);
    expect(d.prepare('SELECT service, count(*) FROM dimensions WHERE kind = 0 GROUP BY service ORDER BY service').raw().all()).toEqual([
      ['api', 1],
      ['db', 1],
      ['web', 1],
    ]);
    const reader = new SqliteTraceReader(d);
    for (const t of [0, 499, 500, 1_199]) {
      expect(reader.getTrace(traceId(1_000 + t)).map((s) => s.service)).toEqual(['web', 'api', 'db', 'web', 'api']);
    }
    expect(new Retention(d, { maxAgeMs: 0, maxSpans: 0, maxDbBytes: 0 }).spanTotal).toBe(6_000);
  });

  it('migrates an empty 0.1 database', () => {
    const d = v1Database([]);
    expect(migrate(d)).toEqual({ from: 1, to: 6 });
    expect(storeStats(d)).toEqual({ spans: 0, traces: 0, chunks: 0, dimensions: 0 });
  });

  it('a trace of a single orphan span migrates, named by it', () => {
    const spans = [propagationSpan({ trace: 77, id: 'only', parent: 'missing', service: 'svc', kind: 2, start: 0, duration: 1 })];
    const d = v1Database(spans);
    migrate(d);
    expect(new SqliteTraceReader(d).getTrace(spans[0].traceId)).toEqual(spans);
  });
});
