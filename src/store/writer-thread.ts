import { parentPort, workerData } from 'node:worker_threads';
import type { WriteBatch } from '../model/encoded.js';
import { WriterCore, type WriterConfig } from './writer-core.js';
import type { FromWriter, ToWriter } from './writer-protocol.js';

/**
 * The writer thread: owns the SQLite write connection, so commits and checkpoints never block the event loop that
 * serves HTTP and decodes. Started by writer-client.ts, from dist/ (worker threads do not run through vitest's
 * transform); the messages are in writer-protocol.ts.
 */
const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);
let core: WriterCore;
try {
  core = new WriterCore(workerData as WriterConfig);
  send({ t: 'ready' });
} catch (err) {
  send({ t: 'failed', message: (err as Error).message });
  throw err;
}

port.on('message', (m: ToWriter) => {
  switch (m.t) {
    case 'write': {
      const data = new Uint8Array(m.buffer);
      const batch: WriteBatch = {
        chunks: m.chunks.map((c) => ({ traceId: c.traceId, spanCount: c.spanCount, data: data.subarray(c.offset, c.offset + c.length) })),
        dimensions: m.dimensions,
      };
      core.write(batch, m.spans, (err) => send({ t: 'done', id: m.id, error: err?.message }));
      return;
    }
    case 'clear':
      try {
        core.clear();
        send({ t: 'done', id: m.id });
      } catch (err) {
        send({ t: 'done', id: m.id, error: (err as Error).message });
      }
      return;
    case 'stats':
      send({ t: 'stats', id: m.id, stats: core.stats() });
      return;
    case 'close':
      void core.close().then(() => send({ t: 'done', id: m.id }));
      return;
  }
});
