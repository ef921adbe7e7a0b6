import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listMigrations, migrate, migrationsDir, SchemaVersionError } from '../../src/store/migrate.js';
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
    expect(tables).toEqual(['operations', 'resources', 'scopes', 'services', 'spans', 'trace_services', 'traces']);
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
    migrate(d);
    const flags = d.prepare('SELECT span_id, error FROM spans ORDER BY span_id').raw().all();
    expect(flags).toEqual([['a', 1], ['b', 1], ['c', 0], ['d', 1], ['e', 0]]);
    expect(d.prepare("SELECT error_count FROM traces WHERE trace_id = 't1'").pluck().get()).toBe(3);
    expect(d.prepare("SELECT error_count FROM services WHERE name = 'svc'").pluck().get()).toBe(3);
  });
});
