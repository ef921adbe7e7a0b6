import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSpans } from '../../src/codec/index.js';
import { OverloadedError } from '../../src/model/errors.js';
import type { WriteBatch } from '../../src/model/encoded.js';
import { openDatabase } from '../../src/store/open.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { ThreadWriter } from '../../src/store/writer-client.js';
import { makeSpan, traceId } from '../fixtures/store-spans.js';

/** The writer thread as production runs it (the compiled dist/store/writer-thread.js, built by `npm test`). */
const SCRIPT = new URL('../../dist/store/writer-thread.js', import.meta.url);
const NO_LIMITS = { maxAgeMs: 0, maxSpans: 0, maxDbBytes: 0 };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-writer-'));
  dirs.push(dir);
  return path.join(dir, 'tracelite.db');
}

const batch = (trace: number, spans = 3): WriteBatch =>
  encodeSpans(Array.from({ length: spans }, (_, i) => makeSpan({ traceId: traceId(trace), spanId: (trace * 100 + i + 1).toString(16).padStart(16, '0') })));

/** What another connection reads back: spans per trace. */
function stored(db: string, traces: number[]): number[] {
  const conn = openDatabase(db);
  try {
    const reader = new SqliteTraceReader(conn);
    return traces.map((t) => reader.getTrace(traceId(t)).length);
  } finally {
    conn.close();
  }
}

describe('the writer thread', () => {
  it('a batch that cannot be stored fails alone, not the requests that shared its commit', async () => {
    const db = tempDb();
    const writer = await ThreadWriter.start({ db, limits: NO_LIMITS }, SCRIPT);
    try {
      const bad = batch(2);
      bad.chunks[0] = { ...bad.chunks[0], data: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01, 0x02]) };
      // Sent back to back, the three are committed as one group first.
      const results = await Promise.allSettled([writer.write(batch(1)), writer.write(bad), writer.write(batch(3))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const reason = (results[1] as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(OverloadedError); // 503 with Retry-After: the exporter keeps and resends the spans
      await writer.write(batch(4)); // and the writer goes on
    } finally {
      await writer.close();
    }
    expect(stored(db, [1, 2, 3, 4])).toEqual([3, 0, 3, 3]);
  });

  it('close commits everything it accepted before it returns', async () => {
    const db = tempDb();
    const writer = await ThreadWriter.start({ db, limits: NO_LIMITS }, SCRIPT);
    const traces = Array.from({ length: 50 }, (_, i) => i + 1);
    const writes = traces.map((t) => writer.write(batch(t, 20)));
    await writer.close(); // what SIGTERM does, right after the writes were handed over
    await Promise.all(writes);
    expect(stored(db, traces)).toEqual(traces.map(() => 20));
  });

  it('a writer thread that dies fails only what it held, and a new one takes over the same database', async () => {
    const db = tempDb();
    const failures: string[] = [];
    const writer = await ThreadWriter.start({ db, limits: NO_LIMITS }, SCRIPT, (err) => failures.push(err.message));
    try {
      await writer.write(batch(1));
      // The thread dies mid-stream, as it would running out of memory: writes in flight are refused (503).
      const inFlight = Array.from({ length: 20 }, (_, i) => writer.write(batch(10 + i, 50)));
      void (writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      const results = await Promise.allSettled(inFlight);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OverloadedError);
      expect(failures).toEqual([expect.stringMatching(/^the writer thread exited \(1\); starting a new writer thread$/)]);
      await writer.write(batch(2)); // the new thread stores again
      const committed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [10 + i] : []));
      expect(stored(db, [1, 2, ...committed])).toEqual([3, 3, ...committed.map(() => 50)]);
    } finally {
      await writer.close();
    }
  });
});
