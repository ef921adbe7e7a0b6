import type { DecodedRequest, EncodedChunk } from '../model/encoded.js';
import type { ForwardingStats, ForwardingStatus } from '../model/forwarding.js';
import { partialSuccess, type QueuedRequest } from './encode.js';
import { InlineEncoder, type ExportEncoder } from './encoder-client.js';
import { backoffMs, RETRYABLE_STATUS, retryAfterMs } from './retry.js';

export interface ForwarderOptions {
  /** The full URL POSTed to (`…/v1/traces`), without credentials (config.ts turns those into a header). */
  url: string;
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** Spans held at most (waiting, and the batch being sent); a request that would overflow it is dropped. */
  maxQueueSpans: number;
  /** Spans per export at most (the SDK batch processor's 512 is too small for a backend's traffic; 8,192 like its queue). */
  maxBatchSpans?: number;
  /** How long the first request of a batch waits for more (the SDK's scheduledDelay is 5 s; 1 s keeps upstream fresh). */
  batchDelayMs?: number;
  /** Exports in flight at once (the Collector's sending queue: 10 consumers), so encoding and round trips overlap. */
  maxInFlight?: number;
  /** One attempt at most this long (the SDKs' export timeout). */
  timeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs?: number;
  /** On close, how long to keep sending what is queued before counting it as dropped. */
  flushTimeoutMs?: number;
  /** Where the first failure of each kind and the recovery are written (one line each, not one per attempt). */
  log?: (message: string) => void;
  random?: () => number;
  /** Where batches are encoded and gzip'd: server.ts gives a ThreadEncoder; inline otherwise. */
  encoder?: ExportEncoder;
}

type Attempt =
  | { kind: 'ok'; rejected: number; message: string }
  | { kind: 'retry'; message: string; delayMs?: number }
  | { kind: 'drop'; reason: string; message: string };

/**
 * Sends the requests the store committed (or the sampler kept) upstream as OTLP/HTTP protobuf, gzip-compressed,
 * as the Collector's `otlphttp` exporter does. `enqueue` never waits and never fails: it appends to a queue
 * bounded in spans and, when that is full, drops the new request and counts it (drop-newest, as the SDK's batch
 * processor and the Collector's sending queue do), so a dead upstream can never slow or block local ingest.
 * Batches are taken in arrival order, up to `maxInFlight` exports at once (so they may arrive out of order). A retryable answer (429, 502, 503, 504, a connection error,
 * a timeout) is retried with no limit on attempts, after `Retry-After` when the upstream sends one, else after
 * an exponential backoff with jitter; the batch keeps its place in the queue meanwhile, so an upstream that is
 * down for a while gets everything once it is back, as long as the queue held it. Any other answer is final:
 * the batch is dropped and counted under its status.
 */
export class Forwarder implements ForwardingStatus {
  private readonly queue: QueuedRequest[] = [];
  private head = 0;
  private queuedSpans = 0;
  /** Spans of the batches being sent (still counted against the bound). */
  private sendingSpans = 0;
  private readonly o: Required<Omit<ForwarderOptions, 'log' | 'encoder'>> & { log: (m: string) => void };
  private readonly encoder: ExportEncoder;
  private readonly headers: Record<string, string>;
  private readonly endpointShown: string;

  private sentBatches = 0;
  private sentSpans = 0;
  private retried = 0;
  private droppedSpans = 0;
  private readonly reasons: Record<string, number> = {};
  private lastError: { at: string; message: string } | null = null;
  private lastSuccessAt: string | null = null;
  /** Kinds of failure already logged since the last success. */
  private readonly logged = new Set<string>();

  private closing = false;
  private deadline = Infinity;
  private readonly stop = new AbortController();
  private wake: (() => void) | undefined;
  private firstQueuedAt = 0;
  private readonly loop: Promise<void>;

  constructor(opts: ForwarderOptions) {
    this.o = {
      maxBatchSpans: 8192,
      batchDelayMs: 1000,
      maxInFlight: 4,
      timeoutMs: 10_000,
      initialBackoffMs: 1000,
      maxBackoffMs: 30_000,
      maxRetryAfterMs: 300_000,
      flushTimeoutMs: 5000,
      random: Math.random,
      ...opts,
      log: opts.log ?? ((m) => console.error(m)),
    };
    this.encoder = opts.encoder ?? new InlineEncoder();
    this.headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' };
    for (const [k, v] of opts.headers) this.headers[k.toLowerCase()] = v;
    this.endpointShown = opts.url;
    this.loop = this.run().catch((err: unknown) => this.o.log(`tracelite: forwarding stopped: ${(err as Error).message}`));
  }

  /** Takes a committed request; returns at once. */
  enqueue(request: Pick<DecodedRequest, 'chunks' | 'dimensions'>): void {
    let spans = 0;
    for (const c of request.chunks) spans += c.spanCount;
    if (spans === 0) return;
    if (this.closing) return this.drop(spans, 'shutdown');
    if (this.queuedSpans + this.sendingSpans + spans > this.o.maxQueueSpans) {
      this.once('queue full', `tracelite: forwarding queue full (${this.o.maxQueueSpans} spans): dropping new spans until ${this.endpointShown} takes them`);
      return this.drop(spans, 'queue full');
    }
    const first = this.queuedSpans === 0;
    if (first) this.firstQueuedAt = Date.now();
    if (spans <= this.o.maxBatchSpans) this.queue.push({ chunks: request.chunks, dimensions: request.dimensions, spans });
    else for (const part of split(request, this.o.maxBatchSpans)) this.queue.push(part);
    this.queuedSpans += spans;
    // The loop sleeps without a timer while the queue is empty: the first request starts the batch delay.
    if (first || this.queuedSpans >= this.o.maxBatchSpans) this.wake?.();
  }

  stats(): ForwardingStats {
    return {
      enabled: true,
      endpoint: this.endpointShown,
      queue: { spans: this.queuedSpans + this.sendingSpans, max: this.o.maxQueueSpans },
      sent: { batches: this.sentBatches, spans: this.sentSpans },
      retried: this.retried,
      dropped: { spans: this.droppedSpans, reasons: { ...this.reasons } },
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  /**
   * Stops taking requests and keeps sending what is queued for up to `flushTimeoutMs` (waits and the attempt in
   * flight are cut at that deadline); whatever is left then is counted as dropped (`shutdown`).
   */
  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.deadline = Date.now() + this.o.flushTimeoutMs;
      const t = setTimeout(() => this.stop.abort(), this.o.flushTimeoutMs);
      this.wake?.();
      await this.loop;
      clearTimeout(t);
      await this.encoder.close();
      return;
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const active = new Set<Promise<void>>();
    for (;;) {
      await this.batchReady();
      if (this.stop.signal.aborted) break;
      if (this.queuedSpans === 0) {
        // Only when closing: wait for the exports in flight, then stop.
        if (active.size === 0) return;
        await Promise.race(active);
        continue;
      }
      if (active.size >= this.o.maxInFlight) {
        await Promise.race(active);
        continue;
      }
      const { batch, spans } = this.take();
      const p: Promise<void> = this.deliver(batch, spans).finally(() => {
        active.delete(p);
        this.sendingSpans -= spans;
      });
      active.add(p);
    }
    await Promise.all(active);
    for (let i = this.head; i < this.queue.length; i++) this.drop(this.queue[i].spans, 'shutdown');
    this.queue.length = this.head = this.queuedSpans = 0;
  }

  /** Resolves when a full batch is waiting, the oldest queued request has waited `batchDelayMs`, or on close. */
  private async batchReady(): Promise<void> {
    while (!this.closing && this.queuedSpans < this.o.maxBatchSpans) {
      const waitMs = this.queuedSpans === 0 ? undefined : this.firstQueuedAt + this.o.batchDelayMs - Date.now();
      if (waitMs !== undefined && waitMs <= 0) return;
      await new Promise<void>((resolve) => {
        const t = waitMs === undefined ? undefined : setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Whole requests from the head, up to maxBatchSpans (enqueue split larger ones). */
  private take(): { batch: QueuedRequest[]; spans: number } {
    const batch: QueuedRequest[] = [];
    let spans = 0;
    while (this.head < this.queue.length) {
      const r = this.queue[this.head];
      if (batch.length > 0 && spans + r.spans > this.o.maxBatchSpans) break;
      batch.push(r);
      spans += r.spans;
      this.queue[this.head++] = undefined as unknown as QueuedRequest;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queuedSpans -= spans;
    this.sendingSpans += spans;
    this.firstQueuedAt = Date.now();
    return { batch, spans };
  }

  private async deliver(batch: QueuedRequest[], spans: number): Promise<void> {
    let body: Buffer;
    try {
      body = await this.encoder.encode(batch);
    } catch (err) {
      this.fail(`cannot encode the spans: ${(err as Error).message}`);
      return this.drop(spans, 'encoding failed');
    }
    for (let retry = 0; ; retry++) {
      const a = await this.attempt(body);
      if (a.kind === 'ok') {
        if (this.logged.size > 0 && this.lastError) this.o.log(`tracelite: forwarding to ${this.endpointShown} works again`);
        this.logged.clear();
        this.sentBatches++;
        this.sentSpans += spans - Math.min(spans, a.rejected);
        this.lastSuccessAt = new Date().toISOString();
        if (a.rejected > 0) {
          this.fail(`upstream rejected ${a.rejected} spans: ${a.message}`);
          this.drop(Math.min(spans, a.rejected), 'partial success');
        }
        return;
      }
      if (this.stop.signal.aborted) return this.drop(spans, 'shutdown');
      this.fail(a.message);
      if (a.kind === 'drop') {
        this.once(a.reason, `tracelite: forwarding: ${this.endpointShown} refused an export (${a.message}); dropping it, not retrying`);
        return this.drop(spans, a.reason);
      }
      this.once('retry', `tracelite: forwarding: ${this.endpointShown} unavailable (${a.message}); retrying with backoff`);
      const delay = a.delayMs ?? backoffMs(retry, { initialMs: this.o.initialBackoffMs, maxMs: this.o.maxBackoffMs }, this.o.random);
      if (Date.now() + delay >= this.deadline) {
        this.stop.abort();
        return this.drop(spans, 'shutdown');
      }
      await this.sleep(delay);
      if (this.stop.signal.aborted) return this.drop(spans, 'shutdown');
      this.retried++;
    }
  }

  private async attempt(body: Buffer): Promise<Attempt> {
    let res: Response;
    let answer: Uint8Array;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.stop.signal]);
      res = await fetch(this.o.url, { method: 'POST', headers: this.headers, body: body as Uint8Array<ArrayBuffer>, signal });
      answer = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      return { kind: 'retry', message: connectionError(err, this.o.timeoutMs) };
    }
    if (res.ok) return { kind: 'ok', ...partialSuccess(answer) };
    const message = `HTTP ${res.status}${statusText(answer)}`;
    if (RETRYABLE_STATUS.has(res.status)) {
      return { kind: 'retry', message, delayMs: retryAfterMs(res.headers.get('retry-after'), Date.now(), this.o.maxRetryAfterMs) };
    }
    return { kind: 'drop', reason: `rejected: HTTP ${res.status}`, message };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.stop.signal.addEventListener('abort', done);
    });
  }

  private drop(spans: number, reason: string): void {
    this.droppedSpans += spans;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + spans;
  }

  private fail(message: string): void {
    this.lastError = { at: new Date().toISOString(), message };
  }

  private once(kind: string, line: string): void {
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.o.log(line);
  }
}

/**
 * A request bigger than a batch (an import, a huge SDK export) in parts of whole traces of up to `max` spans, so no
 * export outgrows what upstreams accept (the Collector's OTLP receiver: 20 MiB by default) or the encoder thread's
 * heap. A single trace's chunk larger than that still goes alone. Every part carries the request's dimensions.
 */
function split(request: Pick<DecodedRequest, 'chunks' | 'dimensions'>, max: number): QueuedRequest[] {
  const parts: QueuedRequest[] = [];
  let cur: QueuedRequest | undefined;
  for (const c of request.chunks) {
    if (!cur || (cur.spans > 0 && cur.spans + c.spanCount > max)) parts.push((cur = { chunks: [], dimensions: request.dimensions, spans: 0 }));
    (cur.chunks as EncodedChunk[]).push(c);
    cur.spans += c.spanCount;
  }
  return parts;
}

function connectionError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'stopped';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/** A short, printable start of an error body (a collector's plain-text or JSON reason), if any. */
function statusText(body: Uint8Array): string {
  if (body.length === 0) return '';
  const text = Buffer.from(body.subarray(0, 200)).toString('utf8');
  return /^[\x20-\x7e\s]+$/.test(text) ? `: ${text.trim().slice(0, 160)}` : '';
}
