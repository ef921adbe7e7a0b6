import type { DecodedRequest, EncodedChunk, EncodedDimension, SpanMeta } from '../codec/types.js';

import { PayloadTooLargeError } from '../model/errors.js';

export type { DecodedRequest } from '../codec/types.js';

/**
 * Spans one request may carry (the SDKs send 512, the Collector's batch processor 8,192). Measured: the writer
 * thread (192 MB heap) stores 250,000 minimal spans of one trace in one request and runs out of memory at 500,000;
 * 64 MiB of minimal spans is 1.25 million. Beyond it the receivers answer 413 / RESOURCE_EXHAUSTED, not retried.
 */
export const MAX_SPANS_PER_REQUEST = 200_000;

/** The receivers' check of a decoded request against MAX_SPANS_PER_REQUEST. */
export function withinSpanLimit<T extends DecodedRequest>(d: T): T {
  if (d.spans.length > MAX_SPANS_PER_REQUEST) {
    throw new PayloadTooLargeError(
      `request has ${d.spans.length} spans, more than the ${MAX_SPANS_PER_REQUEST} tracelite takes in one request: send smaller batches`,
    );
  }
  return d;
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
