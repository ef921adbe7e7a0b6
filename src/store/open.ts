import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  /**
   * Page cache in KiB, per connection. 16 MiB and 256 MiB inserted at the same rate (performance.md): the writer
   * takes 16; the readers' 32 (the default) keep the pages of recent traces and the indexes search walks.
   */
  cacheKiB?: number;
  /** Pages of WAL before SQLite checkpoints by itself. */
  walAutocheckpointPages?: number;
  /** How long a statement waits for a lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * 100,000 pages (~400 MB of WAL) before an automatic checkpoint: measured 168k vs 127k rows/s at the default
 * 1,000, because checkpoints (and their fsyncs) stop landing on almost every commit. The caller runs
 * `checkpoint(db)` on a timer so the WAL does not grow that far and checkpoint stalls stay small.
 */
const DEFAULT_WAL_AUTOCHECKPOINT = 100_000;
/** After a checkpoint resets the WAL, truncate the file back to this size rather than keep ~400 MB. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** Opens (creating the parent folder if missing) and tunes a database for the ingest workload. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // Only a new, empty database takes it: chunks of 1-3 KB pack better into 16 KiB pages (165 vs 198 B/span).
    db.pragma('page_size = 16384');
    if (!inMemory) db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power loss may lose the last commits, never corrupts; fsync only at checkpoints.
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${options.walAutocheckpointPages ?? DEFAULT_WAL_AUTOCHECKPOINT}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.pragma(`cache_size = ${-(options.cacheKiB ?? 32 * 1024)}`);
    db.pragma('temp_store = MEMORY');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface CheckpointResult {
  /** 1 when a reader or writer kept the checkpoint from finishing. */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied back into the database file. */
  checkpointed: number;
}

/**
 * One PASSIVE checkpoint: copies what it can without waiting for readers or blocking writers. Meant for a timer
 * owned by the caller (e.g. every few seconds), so checkpoints happen off the ingest hot path.
 */
export function checkpoint(db: Db): CheckpointResult {
  const rows = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  return rows[0] ?? { busy: 0, log: 0, checkpointed: 0 };
}
