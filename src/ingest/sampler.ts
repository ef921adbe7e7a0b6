import { OverloadedError } from '../model/errors.js';
import type { DecodedRequest, EncodedChunk, EncodedDimension, SpanMeta } from '../model/encoded.js';
import type { SpanSink } from '../model/ports.js';
import type { SamplingRuleCount, SamplingStats, SamplingStatus } from '../model/sampling-ports.js';
import type { TraceId } from '../model/span.js';
import { attributeReader } from './sampler-attributes.js';
import { DecisionMemory } from './sampler-memory.js';
import { PolicyEvaluator, traceFacts } from '../sampling/evaluate.js';
import { policyJson, type Policy } from '../sampling/policy.js';

export interface TailSamplerOptions {
  policy: Policy;
  /** A trace whose root span has arrived is decided once no span arrived for this long. */
  decisionWaitMs: number;
  /** Any trace is decided at this age (first span's arrival), root span or not. */
  maxAgeMs: number;
  /** Spans held at most; beyond it the oldest traces are decided early. */
  bufferSpans: number;
  /** Decisions remembered for late spans (traces; the oldest forgotten first). Default 100,000. */
  rememberTraces?: number;
  /** Kept spans handed to the store and not yet written; beyond it a request is refused (503). Default bufferSpans. */
  maxWritingSpans?: number;
  /** The clock (epoch ms); injected so tests can step it. */
  now?: () => number;
  /** How often traces are checked for a decision (ms); 0 = never by itself (tests call `sweep()`). Default 250. */
  sweepMs?: number;
  /** A kept trace the store refused: logged by the caller (server.ts). */
  onWriteError?: (err: Error) => void;
}

/** One request's part of a trace: its chunk, the spans in it, and the request's dimensions (shared, not copied). */
interface Part {
  chunk: EncodedChunk;
  spans: SpanMeta[];
  dims: readonly EncodedDimension[];
}

interface Buffered {
  traceId: TraceId;
  parts: Part[];
  spanCount: number;
  firstMs: number;
  lastMs: number;
  /** A root span arrived (OTLP sends a span once it has ended). */
  rootEnded: boolean;
}

type Why = 'waited' | 'maxAge' | 'early' | 'shutdown';

/** A kept trace waiting for its write (or late spans of one: `whole` false). */
interface KeptTrace {
  parts: Part[];
  spans: number;
  whole: boolean;
}

/** Spans per write at most (whole traces; a bigger trace goes alone). */
const BATCH_SPANS = 10_000;
const WRITES_IN_FLIGHT = 2;
/** After the store said it is overloaded. */
const RETRY_MS = 100;

/**
 * The tail sampler: a pipeline stage between the decoders and the store. A request is answered once its spans are
 * in the buffer (as the OpenTelemetry Collector's tail-sampling processor does: holding it for the decision wait
 * would outlast the SDKs' 10 s export timeout). A trace is decided when its root span has ended and no span came
 * for the decision wait, or at the maximum age, or early when the buffer is full, or at close; kept traces go to
 * the store whole (every buffered chunk in one write), dropped ones never reach it. Late spans of a decided trace
 * follow the decision while it is remembered; after that they start a new trace, decided the same way.
 */
export class TailSampler implements SpanSink, SamplingStatus {
  private readonly evaluator: PolicyEvaluator;
  private readonly buffer = new Map<TraceId, Buffered>();
  private readonly memory: DecisionMemory;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly attributeKeys: string[];
  private readonly maxWritingSpans: number;
  private bufferedSpans = 0;
  private readonly pending: KeptTrace[] = [];
  private pendingSpans = 0;
  private inFlight = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly idle: Array<() => void> = [];
  private closed = false;
  private sweeping = false;
  private readonly c = {
    seenTraces: 0, keptTraces: 0, droppedTraces: 0,
    seenSpans: 0, keptSpans: 0, droppedSpans: 0,
    waited: 0, maxAge: 0, early: 0, shutdown: 0,
    lateKept: 0, lateDropped: 0,
    writtenSpans: 0, failedSpans: 0, failedTraces: 0, lastError: '',
  }; // prettier-ignore
  private readonly rules = new Map<string, SamplingRuleCount>();

  constructor(
    private readonly downstream: SpanSink,
    private readonly opts: TailSamplerOptions,
  ) {
    this.evaluator = new PolicyEvaluator(opts.policy);
    this.memory = new DecisionMemory(opts.rememberTraces ?? 100_000);
    this.now = opts.now ?? Date.now;
    this.maxWritingSpans = opts.maxWritingSpans ?? opts.bufferSpans;
    this.attributeKeys = [...new Set(opts.policy.rules.flatMap((r) => (r.type === 'attribute' ? [r.key] : [])))];
    for (const r of opts.policy.rules) this.rules.set(r.name, { rule: r.name, kept: 0, dropped: 0 });
    this.rules.set('default', { rule: 'default', kept: 0, dropped: 0 });
    const every = opts.sweepMs ?? 250;
    if (every > 0) {
      this.timer = setInterval(() => this.sweep(), every);
      this.timer.unref();
    }
  }

  /** Resolves once the request's spans are buffered (or, for late spans of a decided trace, handled by it). */
  consume(req: DecodedRequest): Promise<void> {
    if (req.spans.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new OverloadedError('tracelite is shutting down', 1));
    if (this.pendingSpans > this.maxWritingSpans) {
      return Promise.reject(new OverloadedError(`the store is behind (${this.pendingSpans} kept spans waiting)`, 1));
    }
    const now = this.now();
    const byChunk: SpanMeta[][] = req.chunks.map(() => []);
    for (const s of req.spans) byChunk[s.chunk].push(s);
    const late: Part[] = [];
    let lateSpans = 0;
    for (let i = 0; i < req.chunks.length; i++) {
      const chunk = req.chunks[i];
      const spans = byChunk[i];
      if (spans.length === 0) continue;
      this.c.seenSpans += spans.length;
      const part: Part = { chunk, spans, dims: req.dimensions };
      const decided = this.memory.get(chunk.traceId);
      if (decided !== undefined) {
        if (decided) {
          this.c.lateKept += spans.length;
          this.c.keptSpans += spans.length;
          late.push(part);
          lateSpans += spans.length;
        } else {
          this.c.lateDropped += spans.length;
          this.c.droppedSpans += spans.length;
        }
        continue;
      }
      let t = this.buffer.get(chunk.traceId);
      if (!t) {
        t = { traceId: chunk.traceId, parts: [], spanCount: 0, firstMs: now, lastMs: now, rootEnded: false };
        this.buffer.set(chunk.traceId, t);
        this.c.seenTraces++;
      }
      t.parts.push(part);
      t.spanCount += spans.length;
      t.lastMs = now;
      if (!t.rootEnded) for (const s of spans) if (s.parentSpanId === '') t.rootEnded = true;
      this.bufferedSpans += spans.length;
    }
    if (late.length > 0) this.keep({ parts: late, spans: lateSpans, whole: false });
    // Full: the oldest traces (Map order is first arrival) are decided now, so memory stays within the bound.
    if (this.bufferedSpans > this.opts.bufferSpans) {
      for (const t of this.buffer.values()) {
        if (this.bufferedSpans <= this.opts.bufferSpans) break;
        this.decide(t, 'early');
      }
    }
    this.pump();
    return Promise.resolve();
  }

  /** Decides every trace whose wait or age has passed; the timer calls this, tests may too. */
  sweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.now();
      for (const t of this.buffer.values()) {
        if (t.rootEnded && now - t.lastMs >= this.opts.decisionWaitMs) this.decide(t, 'waited');
        else if (now - t.firstMs >= this.opts.maxAgeMs) this.decide(t, 'maxAge');
      }
      this.pump();
    } finally {
      this.sweeping = false;
    }
  }

  /** Decides `t`, takes it out of the buffer, remembers the decision; a kept trace joins the write queue. */
  private decide(t: Buffered, why: Why): void {
    const spans = t.parts.length === 1 ? t.parts[0].spans : t.parts.flatMap((p) => p.spans);
    const attribute = this.attributeKeys.length > 0 ? attributeReader(t.parts, this.attributeKeys) : () => [];
    const d = this.evaluator.decide(traceFacts(t.traceId, spans, attribute), this.now());
    this.buffer.delete(t.traceId);
    this.bufferedSpans -= t.spanCount;
    this.memory.set(t.traceId, d.keep);
    this.c[why]++;
    const r = this.rules.get(d.rule)!;
    if (d.keep) {
      r.kept++;
      this.c.keptTraces++;
      this.c.keptSpans += t.spanCount;
      this.keep({ parts: t.parts, spans: t.spanCount, whole: true });
    } else {
      r.dropped++;
      this.c.droppedTraces++;
      this.c.droppedSpans += t.spanCount;
    }
  }

  /** Kept traces join the write queue; `pump` hands them to the store in batches of whole traces. */
  private keep(t: KeptTrace): void {
    this.pending.push(t);
    this.pendingSpans += t.spans;
  }

  /**
   * At most WRITES_IN_FLIGHT writes at once, each of whole traces up to BATCH_SPANS spans (a bigger trace alone),
   * so the store's own queue is never flooded. A write refused as overloaded is retried; any other failure is
   * counted and reported (the exporter was answered when the spans were buffered).
   */
  private pump(): void {
    while (this.inFlight < WRITES_IN_FLIGHT && this.pending.length > 0 && this.retryTimer === undefined) {
      const batch: KeptTrace[] = [];
      let n = 0;
      while (this.pending.length > 0 && (batch.length === 0 || n + this.pending[0].spans <= BATCH_SPANS)) {
        const t = this.pending.shift()!;
        batch.push(t);
        n += t.spans;
      }
      this.inFlight++;
      const settled = this.downstream.consume(requestOf(batch.flatMap((t) => t.parts))).then(
        () => {
          this.pendingSpans -= n;
          this.c.writtenSpans += n;
        },
        (err: unknown) => {
          if (err instanceof OverloadedError) {
            this.pending.unshift(...batch);
            this.retryTimer = setTimeout(() => {
              this.retryTimer = undefined;
              this.pump();
            }, RETRY_MS);
            return;
          }
          const e = err instanceof Error ? err : new Error(String(err));
          this.pendingSpans -= n;
          this.c.failedSpans += n;
          this.c.failedTraces += batch.filter((t) => t.whole).length;
          this.c.lastError = e.message;
          this.opts.onWriteError?.(e);
        },
      );
      void settled.finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.pending.length === 0) for (const w of this.idle.splice(0)) w();
      });
    }
  }

  stats(): SamplingStats {
    const c = this.c;
    return {
      policy: policyJson(this.opts.policy),
      decisionWaitMs: this.opts.decisionWaitMs,
      maxAgeMs: this.opts.maxAgeMs,
      traces: { seen: c.seenTraces, kept: c.keptTraces, dropped: c.droppedTraces, buffered: this.buffer.size },
      spans: { seen: c.seenSpans, kept: c.keptSpans, dropped: c.droppedSpans, buffered: this.bufferedSpans },
      rules: [...this.rules.values()].map((r) => ({ ...r })),
      decided: { waited: c.waited, maxAge: c.maxAge, early: c.early, shutdown: c.shutdown },
      lateSpans: { kept: c.lateKept, dropped: c.lateDropped },
      buffer: { spans: this.bufferedSpans, maxSpans: this.opts.bufferSpans, traces: this.buffer.size, writing: this.pendingSpans },
      writes: { spans: c.writtenSpans, failedSpans: c.failedSpans, failedTraces: c.failedTraces, lastError: c.lastError },
    };
  }

  /**
   * Stops accepting, decides every buffered trace and resolves once the kept ones are handed to the store and
   * answered (the pipeline's close then commits them): SIGTERM loses nothing kept.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of [...this.buffer.values()]) this.decide(t, 'shutdown');
    this.pump();
    if (this.inFlight > 0 || this.pending.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}

/** One write: every part's chunk, its spans renumbered to the new chunk list, the dimensions they came with. */
function requestOf(parts: Part[]): DecodedRequest {
  const chunks: EncodedChunk[] = [];
  const spans: SpanMeta[] = [];
  const dims = new Map<string, EncodedDimension>();
  for (const p of parts) {
    const at = chunks.length;
    chunks.push(p.chunk);
    for (const s of p.spans) spans.push(s.chunk === at ? s : { ...s, chunk: at });
    for (const d of p.dims) dims.set(d.hash, d);
  }
  return { spans, chunks, dimensions: [...dims.values()], rejected: 0, rejectionMessage: '' };
}
