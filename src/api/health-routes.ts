import type { FastifyInstance } from 'fastify';
import type { ForwardingStatus } from '../model/forwarding.js';
import type { HealthSources } from '../model/health.js';
import type { SamplingStatus } from '../model/sampling-ports.js';
import { jsonErrorHandler } from './errors.js';

/** A queue or buffer this full makes the status `degraded`: the next burst will be refused. */
const NEARLY_FULL = 0.9;
/** Refusals, early decisions and dropped forwards this recent make the status `degraded`. */
const RECENT_MS = 60_000;

export interface HealthDeps {
  health: HealthSources;
  sampling?: SamplingStatus;
  forwarding?: ForwardingStatus;
  now: () => number;
}

/**
 * Whether a counter rose within about the last minute. The counters are totals since start and nothing samples
 * them on a timer: each look keeps a sample (at most one a second), and the baseline is the newest sample at
 * least a minute old, else the oldest — so a rise is "within the last minute", or "since the previous look" when
 * looks are further apart. The first baseline is 0 at start.
 */
class RecentRise {
  private samples: { at: number; v: number }[];

  constructor(now: number) {
    this.samples = [{ at: now, v: 0 }];
  }

  rose(now: number, v: number): boolean {
    while (this.samples.length > 1 && this.samples[1].at <= now - RECENT_MS) this.samples.shift();
    const base = this.samples[0];
    if (now - this.samples[this.samples.length - 1].at >= 1000) this.samples.push({ at: now, v });
    return v > base.v;
  }
}

/**
 * GET /api/health: `ok` or `degraded` (with the reasons), the write queue (depth and bound), what overload refused,
 * the last write's commit latency, spans written and stored, writer thread restarts, and the sampler's and the
 * forwarder's summaries when they are on (null when off). 200 while spans can be stored, 503 when the writer
 * thread stays down — what a load balancer or `curl -f` in a container health check wants.
 */
export async function healthRoutes(app: FastifyInstance, opts: HealthDeps): Promise<void> {
  jsonErrorHandler(app);
  const start = opts.now();
  const refused = new RecentRise(start);
  const early = new RecentRise(start);
  const dropped = new RecentRise(start);
  app.get('/health', async (_req, reply) => {
    const now = opts.now();
    const ingest = opts.health.ingest();
    const store = await opts.health.store();
    const sampling = opts.sampling?.stats();
    const forwarding = opts.forwarding?.stats();
    const problems: string[] = [];
    if (store.writerDown) problems.push(`the writer thread is down: ${store.writerDown}`);
    if (ingest.queuedSpans >= NEARLY_FULL * ingest.maxQueuedSpans) problems.push(`the write queue is nearly full (${ingest.queuedSpans} of ${ingest.maxQueuedSpans} spans)`);
    if (refused.rose(now, ingest.refusedRequests)) problems.push('requests were refused (503) in the last minute: the write queue was full');
    if (sampling && sampling.buffer.spans >= NEARLY_FULL * sampling.buffer.maxSpans) problems.push(`the sampling buffer is nearly full (${sampling.buffer.spans} of ${sampling.buffer.maxSpans} spans)`);
    if (sampling && early.rose(now, sampling.decided.early)) problems.push('the sampler decided traces early in the last minute: its buffer was full');
    if (forwarding?.enabled && dropped.rose(now, forwarding.dropped.spans)) problems.push('forwarding dropped spans in the last minute');
    if (store.writerDown) reply.code(503);
    return {
      status: problems.length === 0 ? 'ok' : 'degraded',
      problems,
      ingest: {
        queue: { spans: ingest.queuedSpans, max: ingest.maxQueuedSpans },
        refused: { requests: ingest.refusedRequests, spans: ingest.refusedSpans },
        writtenSpans: ingest.writtenSpans,
        lastWriteMs: Math.round(ingest.lastWriteMs * 10) / 10,
      },
      store: { spans: store.storedSpans, dbBytes: store.dbBytes, writerRestarts: store.writerRestarts, writerDown: store.writerDown },
      sampling: sampling
        ? {
            buffer: sampling.buffer,
            traces: sampling.traces,
            decidedEarly: sampling.decided.early,
            failedSpans: sampling.writes.failedSpans,
          }
        : null,
      forwarding: forwarding?.enabled
        ? {
            endpoint: forwarding.endpoint,
            queue: forwarding.queue,
            sentSpans: forwarding.sent.spans,
            droppedSpans: forwarding.dropped.spans,
            retried: forwarding.retried,
            lastError: forwarding.lastError,
            lastSuccessAt: forwarding.lastSuccessAt,
          }
        : null,
    };
  });
}

/** The UI footer's line, rendered on every page: one synchronous read of the pipeline's counters. */
export function healthFooter(health: HealthSources): { text: string; busy: boolean } {
  const s = health.ingest();
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    text: `queue ${n(s.queuedSpans)} of ${n(s.maxQueuedSpans)} · refused ${n(s.refusedRequests)}`,
    busy: s.queuedSpans >= NEARLY_FULL * s.maxQueuedSpans,
  };
}
