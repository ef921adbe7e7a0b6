import type { WriteBatch } from '../model/encoded.js';
import { Committer } from './commit.js';
import { migrate } from './migrate.js';
import { checkpoint, openDatabase, type Db } from './open.js';
import { Retention, type RetentionLimits } from './retention.js';

/** The writer's page cache: it appends, and the trace cache answers most lookups; 16 MiB inserts as fast as 256 (open.ts). */
const WRITER_CACHE_KIB = 16 * 1024;

/** What the writer needs to know; a plain object, so it crosses into the worker thread as workerData. */
export interface WriterConfig {
  db: string;
  limits: RetentionLimits;
  /** Grace period of the service graph (ms). */
  graceMs?: number;
  /** Upper bound on one transaction, in spans. */
  maxBatchSpans?: number;
}

interface Pending {
  batch: WriteBatch;
  spans: number;
  done: (err?: Error) => void;
}

/** The writer's timer: deciding what the service graph kept waiting, retention. */
const HOUSEKEEPING_MS = 1_000;
/**
 * Lazy WAL checkpoints keep commits fast; the writer runs a PASSIVE one every few seconds, off the event loop
 * that serves HTTP (it runs in the worker thread). On the main thread (0.1) they were 17 % of the process's CPU.
 */
const CHECKPOINT_EVERY = 1;
/** Deleting between commits may delay the next commit's answers by at most this. */
const DRAIN_DELETE_BUDGET_MS = 20;

/**
 * The writer: owns the write connection, commits everything waiting in one transaction (group commit: the
 * requests that queued while the previous commit ran), answers each, and between commits checkpoints, decides
 * what the service graph kept waiting, and deletes what retention says is too old or too much.
 */
export class WriterCore {
  readonly db: Db;
  private readonly committer: Committer;
  private readonly retention: Retention;
  private queue: Pending[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private ticks = 0;

  constructor(private readonly config: WriterConfig) {
    this.db = openDatabase(config.db, { cacheKiB: WRITER_CACHE_KIB });
    migrate(this.db);
    this.retention = new Retention(this.db, config.limits);
    this.committer = new Committer(this.db, { graceMs: config.graceMs, onStored: (n) => this.retention.added(n) });
    this.timer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  write(batch: WriteBatch, spans: number, done: (err?: Error) => void): void {
    if (this.closing) return done(new Error('the writer is stopping'));
    this.queue.push({ batch, spans, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Deletes every trace and what was derived from them. */
  clear(): void {
    this.drain();
    this.retention.clearAll();
    this.committer.reset();
  }

  stats() {
    return { waitingCalls: this.committer.graph.waiting, decidedEarly: this.committer.graph.decidedEarly, ...this.retention.stats() };
  }

  /** Commits what is queued, then closes the database. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      clearInterval(this.timer);
      this.drain();
      checkpoint(this.db);
      this.db.close();
      resolve();
    });
    return this.closing;
  }

  private drain(): void {
    this.scheduled = false;
    const max = this.config.maxBatchSpans ?? 50_000;
    while (this.queue.length > 0) {
      const group: Pending[] = [];
      let spans = 0;
      while (this.queue.length > 0 && (group.length === 0 || spans + this.queue[0].spans <= max)) {
        const p = this.queue.shift()!;
        group.push(p);
        spans += p.spans;
      }
      const batch: WriteBatch =
        group.length === 1
          ? group[0].batch
          : { chunks: group.flatMap((p) => p.batch.chunks), dimensions: group.flatMap((p) => p.batch.dimensions) };
      try {
        this.committer.commit(batch, Date.now());
        for (const p of group) p.done();
      } catch (err) {
        if (group.length === 1) group[0].done(err as Error);
        // The rollback undid the whole group: each request is committed again alone, so only one that cannot be
        // stored fails (an exporter retries it), never the requests that happened to share its commit.
        else for (const p of group) this.commitAlone(p);
      }
    }
    // At full ingest speed the limits are kept between commits too, a little at a time.
    this.committer.forget(this.retention.step(Date.now(), DRAIN_DELETE_BUDGET_MS));
  }

  private commitAlone(p: Pending): void {
    try {
      this.committer.commit(p.batch, Date.now());
      p.done();
    } catch (err) {
      p.done(err as Error);
    }
  }

  private housekeeping(): void {
    try {
      this.committer.expire(Date.now());
      if (this.queue.length === 0) this.committer.forget(this.retention.step(Date.now()));
      if (++this.ticks % CHECKPOINT_EVERY === 0) checkpoint(this.db);
    } catch (err) {
      console.error('tracelite writer: housekeeping failed:', err);
    }
  }
}
