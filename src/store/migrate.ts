import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKFILLS } from './backfill.js';
import type { Db } from './open.js';

/**
 * `<package root>/migrations`. This file runs as src/store/migrate.ts (vitest) or dist/store/migrate.js (built);
 * both are two levels below the package root, so one relative URL serves both.
 */
export function migrationsDir(): string {
  return fileURLToPath(new URL('../../migrations/', import.meta.url));
}

export interface Migration {
  version: number;
  name: string;
  file: string;
}

/** The database was written by a newer tracelite than this one; opening it could corrupt or misread it. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

const FILE = /^(\d{3})-[A-Za-z0-9_.-]+\.sql$/;

/** `NNN-name.sql` files in version order; versions must run 1, 2, 3… with no gap or duplicate. */
export function listMigrations(dir: string): Migration[] {
  const found: Migration[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = FILE.exec(name);
    if (m) found.push({ version: Number(m[1]), name, file: path.join(dir, name) });
  }
  found.sort((a, b) => a.version - b.version);
  found.forEach((mig, i) => {
    if (mig.version !== i + 1) throw new Error(`migration ${mig.name}: expected version ${i + 1} in ${dir}`);
  });
  return found;
}

export interface MigrateResult {
  from: number;
  to: number;
}

/**
 * Applies, in order and each in its own transaction, every migration newer than `PRAGMA user_version` (its SQL,
 * then its data step in backfill.ts if it has one), then sets user_version to that migration's number. Forward only: a database newer than the code is refused.
 */
export function migrate(db: Db, dir: string = migrationsDir()): MigrateResult {
  const migrations = listMigrations(dir);
  const known = migrations.length;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > known) {
    throw new SchemaVersionError(
      `database schema version ${from} is newer than this tracelite knows (${known}); upgrade tracelite or use another database file`,
    );
  }
  for (const mig of migrations.slice(from)) {
    const sql = fs.readFileSync(mig.file, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      BACKFILLS[mig.version]?.(db);
      // user_version lives in the database header, so it commits or rolls back with the migration.
      db.pragma(`user_version = ${mig.version}`);
    })();
  }
  return { from, to: Math.max(from, known) };
}
