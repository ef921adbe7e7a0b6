import type { TraceId } from '../model/span.js';

/**
 * Decisions of recent traces, for their late spans: at most `capacity` of them, the oldest decision forgotten first
 * (a Map keeps insertion order). About 100 bytes a trace: 100,000 decisions ≈ 10 MB.
 */
export class DecisionMemory {
  private readonly decisions = new Map<TraceId, boolean>();

  constructor(private readonly capacity: number) {}

  get(traceId: TraceId): boolean | undefined {
    return this.decisions.get(traceId);
  }

  set(traceId: TraceId, keep: boolean): void {
    this.decisions.set(traceId, keep);
    if (this.decisions.size > this.capacity) this.decisions.delete(this.decisions.keys().next().value!);
  }

  get size(): number {
    return this.decisions.size;
  }
}
