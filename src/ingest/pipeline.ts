import { OverloadedError } from '../model/errors.js';
import type { DecodedRequest } from '../model/encoded.js';
import type { SpanSink, SpanWriter } from '../model/ports.js';

export interface PipelineOptions {
  /** Spans accepted but not yet committed; beyond this consume() rejects with OverloadedError (503). */
  maxQueuedSpans: number;
}

/** What /api/health shows of ingest. */
export interface PipelineStats {
  queuedSpans: number;
  maxQueuedSpans: number;
  refusedRequests: number;
  refusedSpans: number;
  writtenSpans: number;
  /** Commit latency of the most recent writes, ms (request handed to the writer → committed). */
  lastWriteMs: number;
}

/**
 * Hands each decoded request to the writer (the worker thread group-commits everything that is waiting in one
 * transaction) and answers once it is committed. The queue is bounded in spans: a request that would overflow
 * it is refused at once with a retryable 503, never buffered without bound.
 */
export class WritePipeline implements SpanSink {
  private queued = 0;
  private closed = false;
  private refusedRequests = 0;
  private refusedSpans = 0;
  private written = 0;
  private lastWriteMs = 0;

  constructor(
    private readonly writer: SpanWriter,
    private readonly opts: PipelineOptions,
  ) {}

  consume(req: DecodedRequest): Promise<void> {
    const n = req.spans.length;
    if (n === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new OverloadedError('tracelite is shutting down', 1));
    if (this.queued > 0 && this.queued + n > this.opts.maxQueuedSpans) {
      this.refusedRequests++;
      this.refusedSpans += n;
      return Promise.reject(new OverloadedError(`write queue is full (${this.queued} spans waiting)`, 1));
    }
    this.queued += n;
    const t0 = performance.now();
    return this.writer.write({ chunks: req.chunks, dimensions: req.dimensions }).then(
      () => {
        this.queued -= n;
        this.written += n;
        this.lastWriteMs = performance.now() - t0;
      },
      (err: unknown) => {
        this.queued -= n;
        throw err;
      },
    );
  }

  stats(): PipelineStats {
    return {
      queuedSpans: this.queued,
      maxQueuedSpans: this.opts.maxQueuedSpans,
      refusedRequests: this.refusedRequests,
      refusedSpans: this.refusedSpans,
      writtenSpans: this.written,
      lastWriteMs: this.lastWriteMs,
    };
  }

  /** Stops accepting; resolves once everything accepted is committed and the writer has stopped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writer.close();
  }
}
