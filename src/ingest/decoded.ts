import type { SpanRecord } from '../model/span.js';

/** What a decoder makes of one export request: the valid spans, and a count of the invalid ones. */
export interface DecodedRequest {
  spans: SpanRecord[];
  /** Spans dropped as invalid (bad ID length, all-zero IDs, end before start). */
  rejected: number;
  /** '' when nothing was rejected; otherwise the first few reasons, for `partial_success.error_message`. */
  rejectionMessage: string;
}

const MAX_REASONS = 3;

/** Collects per-span rejections while a decoder runs; keeps the first few distinct reasons. */
export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];

  reject(reason: string): void {
    this.count++;
    if (this.reasons.length < MAX_REASONS && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  result(spans: SpanRecord[]): DecodedRequest {
    const more = this.count > this.reasons.length ? ` (${this.count} spans rejected in all)` : '';
    return {
      spans,
      rejected: this.count,
      rejectionMessage: this.count === 0 ? '' : this.reasons.join('; ') + more,
    };
  }
}
