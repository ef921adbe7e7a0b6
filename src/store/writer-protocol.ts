import type { EncodedDimension } from '../model/encoded.js';

/** Messages between the main thread (writer-client.ts) and the writer thread (writer-thread.ts). */

export type ToWriter =
  | {
      t: 'write';
      id: number;
      spans: number;
      /** Every chunk's bytes, packed into one buffer that is transferred, not copied. */
      buffer: ArrayBuffer;
      chunks: Array<{ traceId: string; spanCount: number; offset: number; length: number }>;
      dimensions: EncodedDimension[];
    }
  | { t: 'clear'; id: number }
  | { t: 'stats'; id: number }
  | { t: 'close'; id: number };

export interface WriterStats {
  waitingCalls: number;
  decidedEarly: number;
  storedSpans: number;
  deletedTraces: number;
  dbBytes: number;
}

export type FromWriter =
  | { t: 'ready' }
  | { t: 'failed'; message: string }
  | { t: 'done'; id: number; error?: string }
  | { t: 'stats'; id: number; stats: WriterStats };
