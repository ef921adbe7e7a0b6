import { Worker } from 'node:worker_threads';
import { OverloadedError } from '../model/errors.js';
import type { WriteBatch } from '../model/encoded.js';
import type { SpanWriter } from '../model/ports.js';
import { WriterCore, type WriterConfig } from './writer-core.js';
import type { FromWriter, ToWriter, WriterStats } from './writer-protocol.js';

/** The store's writer as the rest of tracelite sees it: writes, clears, stats and close, all asynchronous. */
export interface StoreWriter extends SpanWriter {
  clear(): Promise<void>;
  stats(): Promise<WriterStats>;
}

/** A failed commit is answered as retryable: the exporter keeps the spans and sends them again. */
function failed(message: string): OverloadedError {
  return new OverloadedError(`could not store the spans (${message}); retry later`, 1);
}

/** Restarts allowed within RESTART_WINDOW_MS before the writer stays down (a database that cannot open, say). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * Runs the writer in a worker thread (production): `script` is dist/store/writer-thread.js. A writer thread that
 * dies (out of memory, a native fault) fails only the requests it held — 503, so exporters send them again — and
 * is replaced by a fresh one over the same database (SQLite rolled back whatever it had not committed), so a
 * crash never leaves tracelite answering without storing.
 */
export class ThreadWriter implements StoreWriter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;
  private closing = false;
  private restarts: number[] = [];
  /** Writer threads started to replace one that died, since start (GET /api/health). */
  private restartTotal = 0;

  private constructor(
    private worker: Worker,
    private readonly config: WriterConfig,
    private readonly script: URL,
    private readonly onFailure: (err: Error) => void,
  ) {
    this.attach(worker);
  }

  static async start(config: WriterConfig, script: URL, onFailure: (err: Error) => void = () => {}): Promise<ThreadWriter> {
    return new ThreadWriter(await spawn(config, script), config, script, onFailure);
  }

  private attach(worker: Worker): void {
    worker.on('message', (m: FromWriter) => {
      if (m.t !== 'done' && m.t !== 'stats') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.t === 'stats') p.resolve(m.stats);
      else if (m.error) p.reject(failed(m.error));
      else p.resolve(undefined);
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`the writer thread exited (${code})`)));
  }

  /** The worker died: fail what it held, then replace it unless closing or restarting too often. */
  private lost(worker: Worker, err: Error): void {
    if (worker !== this.worker || this.dead) return;
    for (const p of this.pending.values()) p.reject(failed(err.message));
    this.pending.clear();
    if (this.closing) {
      this.dead = err;
      return;
    }
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.dead = new Error(`the writer thread failed ${MAX_RESTARTS + 1} times within a minute (last: ${err.message})`);
      this.onFailure(this.dead);
      return;
    }
    this.restarts.push(now);
    this.restartTotal++;
    this.onFailure(new Error(`${err.message}; starting a new writer thread`));
    // Requests that arrive while it starts are posted to it and answered once it is ready.
    this.worker = new Worker(this.script, workerOptions(this.config));
    this.attach(this.worker);
  }

  /** How many times a dead writer thread was replaced, and why it stays down (undefined while it runs). */
  health(): { restarts: number; down: string | undefined } {
    return { restarts: this.restartTotal, down: this.closing ? undefined : this.dead?.message };
  }

  write(batch: WriteBatch): Promise<void> {
    let size = 0;
    for (const c of batch.chunks) size += c.data.length;
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    let offset = 0;
    let spans = 0;
    const chunks = batch.chunks.map((c) => {
      bytes.set(c.data, offset);
      const at = { traceId: c.traceId, spanCount: c.spanCount, offset, length: c.data.length };
      offset += c.data.length;
      spans += c.spanCount;
      return at;
    });
    return this.request({ t: 'write', id: 0, spans, buffer, chunks, dimensions: batch.dimensions }, [buffer]) as Promise<void>;
  }

  clear(): Promise<void> {
    return this.request({ t: 'clear', id: 0 }) as Promise<void>;
  }

  stats(): Promise<WriterStats> {
    return this.request({ t: 'stats', id: 0 }) as Promise<WriterStats>;
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    await this.request({ t: 'close', id: 0 });
    this.dead = new Error('the writer is closed');
    await this.worker.terminate();
  }

  private request(m: ToWriter, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.dead) return Promise.reject(failed(this.dead.message));
    const id = this.nextId++;
    m.id = id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(m, transfer);
    });
  }

}

// The writer's live heap stays under ~80 MB on full realistic ingest (its caches and the service graph are
// bounded); without a limit V8 lets garbage grow its heap to ~300 MB before collecting, which alone broke the
// 300 MB process target. These limits cost ~10 % of the write rate in extra collections.
function workerOptions(config: WriterConfig) {
  return { workerData: config, resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 32 } };
}

function spawn(config: WriterConfig, script: URL): Promise<Worker> {
  const worker = new Worker(script, workerOptions(config));
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWriter) => {
      if (m.t === 'ready') {
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(worker);
      } else if (m.t === 'failed') reject(new Error(m.message));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** The same writer in this thread: for tests of the store, and tools that write without a server. */
export class InlineWriter implements StoreWriter {
  readonly core: WriterCore;

  constructor(config: WriterConfig) {
    this.core = new WriterCore(config);
  }

  write(batch: WriteBatch): Promise<void> {
    const spans = batch.chunks.reduce((n, c) => n + c.spanCount, 0);
    return new Promise((resolve, reject) => this.core.write(batch, spans, (err) => (err ? reject(failed(err.message)) : resolve())));
  }

  async clear(): Promise<void> {
    this.core.clear();
  }

  async stats(): Promise<WriterStats> {
    return this.core.stats();
  }

  close(): Promise<void> {
    return this.core.close();
  }
}
