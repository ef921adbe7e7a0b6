import { gzipSync } from 'node:zlib';
import { parentPort } from 'node:worker_threads';
import { encodeExport, type QueuedRequest } from './encode.js';

/**
 * The export encoder's thread: stored chunks → OTLP protobuf → gzip, off the event loop that serves HTTP and
 * decodes (bench/forward-encode.js: ~9 µs a realistic span, 75 ms for a batch of 8,192 — a stall ingest would feel).
 * Started by encoder-client.ts from dist/, like the writer thread.
 */
export interface EncodeJob {
  id: number;
  requests: QueuedRequest[];
}
export type EncodeResult = { id: number; body: Uint8Array } | { id: number; error: string };

const port = parentPort!;
port.on('message', (job: EncodeJob) => {
  try {
    const body = gzipSync(encodeExport(job.requests));
    port.postMessage({ id: job.id, body } satisfies EncodeResult, [body.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).message } satisfies EncodeResult);
  }
});
