import type { DecodedRequest, EncodedChunk, EncodedDimension, SpanMeta } from '../codec/types.js';

export type { DecodedRequest } from '../codec/types.js';

const MAX_REASONS = 3;

/** Collects per-span rejections while a decoder runs; keeps the first few distinct reasons. */
export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];

  reject(reason: string): void {
    this.count++;
    if (this.reasons.length < MAX_REASONS && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  result(spans: SpanMeta[], encoded: { chunks: EncodedChunk[]; dimensions: EncodedDimension[] }): DecodedRequest {
    const more = this.count > this.reasons.length ? ` (${this.count} spans rejected in all)` : '';
    return {
      spans,
      chunks: encoded.chunks,
      dimensions: encoded.dimensions,
      rejected: this.count,
      rejectionMessage: this.count === 0 ? '' : this.reasons.join('; ') + more,
    };
  }
}
