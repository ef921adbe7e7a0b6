import type { DecodedRequest } from '../model/encoded.js';
import type { SpanSink } from '../model/ports.js';

/** What the tee hands kept requests to (the Forwarder). */
export interface ForwardQueue {
  /** Must return at once: ingest is answered only after this. */
  enqueue(request: DecodedRequest): void;
}

/**
 * The forwarding tee, a pipeline stage in front of the store: passes each request on, and once the store has
 * committed it, hands it to the forwarder. So only what was stored (with sampling on, what was kept) goes
 * upstream, a request the store refused (503, the exporter retries) is not forwarded twice, and the exporter is
 * answered exactly as without forwarding: the enqueue never waits.
 */
export class ForwardingSink implements SpanSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly downstream: SpanSink,
    private readonly forwarder: ForwardQueue,
  ) {}

  consume(request: DecodedRequest): Promise<void> {
    const p = this.downstream.consume(request).then(() => this.forwarder.enqueue(request));
    this.inFlight.add(p);
    const forget = () => void this.inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Resolves once every request already consumed has been committed (or refused) and, if committed, enqueued. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
