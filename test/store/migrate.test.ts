import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillMinuteStats } from '../../src/store/backfill.js';
import { listMigrations, migrate, migrationsDir, SchemaVersionError } from '../../src/store/migrate.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { BASE_NS, makeRecord, makeResource, MS, spanId, traceId } from '../fixtures/store-records.js';
import { checkpoint, openDatabase, type Db } from '../../src/store/open.js';

let dir: string;
let db: Db | undefined;

function fresh(): Db {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-migrate-'));
  db = openDatabase(path.join(dir, 'nested', 'folder', 'x.db'));
  return db;
}

afterEach(() => {
  db?.close();
  db = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

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
    expect(migrate(d)).toEqual({ from: 0, to: count });
    expect(d.pragma('user_version', { simple: true })).toBe(count);
    expect(migrate(d)).toEqual({ from: count, to: count });
    const tables = d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['endpoints', 'op_minutes', 'resources', 'scopes', 'service_minutes', 'spans', 'trace_services', 'traces']);
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

describe('002: the stored error flag', () => {
  it('decides the flag for spans written by 0.1 and recounts the summaries by it', () => {
    const d = fresh();
    const v1 = path.join(dir, 'v1');
    fs.mkdirSync(v1);
    fs.copyFileSync(path.join(migrationsDir(), '001-init.sql'), path.join(v1, '001-init.sql'));
    migrate(d, v1);
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
    const v2 = path.join(dir, 'v2');
    fs.mkdirSync(v2);
    for (const f of ['001-init.sql', '002-error-flag.sql']) fs.copyFileSync(path.join(migrationsDir(), f), path.join(v2, f));
    migrate(d, v2);
    const flags = d.prepare('SELECT span_id, error FROM spans ORDER BY span_id').raw().all();
    expect(flags).toEqual([['a', 1], ['b', 1], ['c', 0], ['d', 1], ['e', 0]]);
    expect(d.prepare("SELECT error_count FROM traces WHERE trace_id = 't1'").pluck().get()).toBe(3);
    expect(d.prepare("SELECT error_count FROM services WHERE name = 'svc'").pluck().get()).toBe(3);
  });
});

describe('003: per-minute stats', () => {
  it('fills the stats of spans already stored exactly as the writer keeps them', () => {
    const d = fresh();
    migrate(d);
    const records = [
      makeRecord({ spanId: spanId(1), name: 'GET /a', kind: 2, attributes: '{"server.address":"localhost","server.port":8080}' }),
      makeRecord({ spanId: spanId(2), parentSpanId: spanId(1), name: 'GET', kind: 3, attributes: '{"server.address":"127.0.0.1","server.port":9090,"http.response.status_code":503}' }),
      makeRecord({ spanId: spanId(3), parentSpanId: spanId(2), name: 'GET /b', kind: 2, resource: makeResource('b'), attributes: '{"server.address":"localhost","server.port":9090}' }),
      makeRecord({ traceId: traceId(2), spanId: spanId(4), name: 'job', kind: 1, startTimeUnixNano: BASE_NS + 120_000n * MS, endTimeUnixNano: BASE_NS + 121_000n * MS }),
    ];
    new SqliteSpanWriter(d).writeSpans(records);
    const dump = () => ['op_minutes', 'service_minutes', 'endpoints'].map((t) => d.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().all());
    const written = dump();
    expect(written[0]).toHaveLength(4);
    d.exec('DELETE FROM op_minutes; DELETE FROM service_minutes; DELETE FROM endpoints');
    fillMinuteStats(d);
    expect(dump()).toEqual(written);
  });

  it('migrates a 0.1 database: every span and summary kept, the stats built from them', () => {
    const d = fresh();
    const v1 = path.join(dir, 'v1');
    fs.mkdirSync(v1);
    fs.copyFileSync(path.join(migrationsDir(), '001-init.sql'), path.join(v1, '001-init.sql'));
    migrate(d, v1);
    d.exec(`INSERT INTO resources VALUES (1, 'shop', '{"service.name":"shop"}', 0);
      INSERT INTO scopes VALUES (1, 'http', '1', '{}', 0);
      INSERT INTO spans VALUES ('t1', 's1', '', 'shop', 'GET /', 2, 60000000000, 60005000000, 5000000, 0, '', '', 1,
        '{"http.response.status_code":500}', '[]', '[]', 0, 0, 0, 1, 1);
      INSERT INTO spans VALUES ('t1', 's2', 's1', 'shop', 'GET', 3, 60001000000, 60002000000, 1000000, 0, '', '', 1,
        '{"server.address":"pay","server.port":80}', '[]', '[]', 0, 0, 0, 1, 1);
      INSERT INTO traces VALUES ('t1', 60000000000, 60005000000, 5000000, 2, 0, 'shop', 'GET /', 60000000000, 1, '["shop"]');
      INSERT INTO trace_services VALUES ('t1', 'shop', 60000000000, 5000000);`);
    migrate(d);
    expect(d.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(2);
    expect(d.prepare("SELECT span_count, error_count, root_name FROM traces WHERE trace_id = 't1'").raw().get()).toEqual([2, 1, 'GET /']);
    const ops = d.prepare('SELECT name, kind, role, callee, minute, spans, errors FROM op_minutes ORDER BY role').raw().all();
    expect(ops).toEqual([['GET /', 2, 0, '', 1, 1, 1], ['GET', 3, 1, 'pay:80', 1, 1, 0]]);
    expect(d.prepare('SELECT service, minute, traces FROM service_minutes').raw().all()).toEqual([['shop', 1, 1]]);
  });
});
