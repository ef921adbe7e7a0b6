import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gzip as gzipCb } from 'node:zlib';
import { encodeExport, type QueuedRequest } from './encode.js';
import type { EncodeJob, EncodeResult } from './encode-thread.js';

const gzip = promisify(gzipCb);

/** Encodes a batch for export: gzip'd `ExportTraceServiceRequest` bytes. */
export interface ExportEncoder {
  encode(requests: QueuedRequest[]): Promise<Buffer>;
  close(): Promise<void>;
}

/** On the calling thread (protobuf encoding inline, gzip on the thread pool): tests, and the fallback. */
export class InlineEncoder implements ExportEncoder {
  async encode(requests: QueuedRequest[]): Promise<Buffer> {
    return gzip(encodeExport(requests));
  }
  async close(): Promise<void> {}
}

/**
 * On a worker thread (encode-thread.ts), started on first use. The chunks are copied to it (structured clone: each
 * request's buffer once, ~170 B a realistic span). If the thread dies, the batches it held and every later one
 * are encoded inline instead, and that is logged once: forwarding slows the event loop then, but loses nothing.
 */
export class ThreadEncoder implements ExportEncoder {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, { requests: QueuedRequest[]; resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private readonly inline = new InlineEncoder();

  constructor(
    private readonly script: URL,
    private readonly log: (message: string) => void,
  ) {}

  encode(requests: QueuedRequest[]): Promise<Buffer> {
    if (this.broken) return this.inline.encode(requests);
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { requests, resolve, reject });
      w.postMessage({ id, requests } satisfies EncodeJob);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.broken = true;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const w = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32 } });
    w.unref();
    w.on('message', (m: EncodeResult) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
    });
    const lost = (why: string) => {
      if (this.broken) return;
      this.broken = true;
      this.worker = undefined;
      this.log(`tracelite: forwarding: the encoder thread stopped (${why}); encoding on the main thread from now on`);
      for (const p of this.pending.values()) this.inline.encode(p.requests).then(p.resolve, p.reject);
      this.pending.clear();
    };
    w.on('error', (err) => lost(err.message));
    w.on('exit', (code) => lost(`exit ${code}`));
    return w;
  }
}
