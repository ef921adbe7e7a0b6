import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readChunkTyped } from '../../src/codec/read-chunk.js';
import { loadRequest, loadSpanId, loadTraceId } from '../fixtures/otlp-load.js';
import { MAIN, startCli, type RunningCli } from '../helpers/cli.js';
import { tempDbPath } from '../helpers/server.js';

/**
 * Issue 12's durability promise, end to end on the real binary: a 200 is sent only after the spans are committed.
 * Several concurrent OTLP/HTTP protobuf senders; tracelite is SIGKILLed at a random (seeded, logged) moment, three
 * times, and restarted on the same database; what was not answered 200 is sent again, as an exporter would. At the
 * end every acknowledged span is in the database exactly once and `PRAGMA integrity_check` says `ok`.
 *
 * Replay a run with KILL_SEED=<seed printed below>.
 */

const SENDERS = 6;
const SPANS_PER_REQUEST = 200;
/** Consecutive requests share a trace, so a trace is stored as several chunks, as with a real batching exporter. */
const REQUESTS_PER_TRACE = 4;
const KILLS = 3;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPE = { spans: SPANS_PER_REQUEST, perTrace: REQUESTS_PER_TRACE, t0: BigInt(Date.now()) * 1_000_000n };
const traceOf = (r: number) => loadTraceId(r, REQUESTS_PER_TRACE);
const spanIdOf = (r: number, j: number) => loadSpanId(r, j, SPANS_PER_REQUEST);
const body = (r: number) => loadRequest(r, SHAPE);

async function start(db: string): Promise<RunningCli> {
  return startCli(process.execPath, [MAIN, '--db', db, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--retention', '0', '--max-db-size', '0']);
}

interface Ledger {
  next: number;
  /** Sent and not answered 200 (connection lost, 503): sent again first. */
  unanswered: number[];
  acked: Set<number>;
  inFlight: number;
}

function take(l: Ledger): number {
  return l.unanswered.length > 0 ? l.unanswered.shift()! : l.next++;
}

/** One sender: posts requests until `stop` says so; records which were answered 200. */
async function sender(url: string, l: Ledger, stop: () => boolean): Promise<void> {
  while (!stop()) {
    const r = take(l);
    l.inFlight++;
    try {
      const res = await fetch(url, { method: 'POST', body: new Uint8Array(body(r)), headers: { 'content-type': 'application/x-protobuf' } });
      await res.arrayBuffer();
      if (res.status === 200) l.acked.add(r);
      else l.unanswered.push(r);
    } catch {
      l.unanswered.push(r);
    } finally {
      l.inFlight--;
    }
  }
}

/** Every span in the chunks of the database, with how many times each is stored. */
function storedSpans(db: string): { integrity: string; counts: Map<string, number> } {
  const conn = new Database(db, { readonly: true });
  try {
    const integrity = (conn.pragma('integrity_check', { simple: true }) as string) ?? '';
    const counts = new Map<string, number>();
    const rows = conn.prepare('SELECT t.trace_id AS traceId, c.data AS data FROM chunks c JOIN trace_rows t ON t.id = c.trace_ref').all() as { traceId: Buffer; data: Buffer }[];
    for (const row of rows) {
      const traceId = row.traceId.toString('hex');
      for (const s of readChunkTyped(row.data, traceId)) {
        const key = `${traceId}/${s.spanId}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return { integrity, counts };
  } finally {
    conn.close();
  }
}

describe('SIGKILL under concurrent ingest', () => {
  it(`loses no acknowledged span over ${KILLS} kills and restarts, stores none twice, and the database stays intact`, async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    console.log(`durability-kill: KILL_SEED=${seed}`);
    const { dir, db } = tempDbPath();
    const l: Ledger = { next: 0, unanswered: [], acked: new Set(), inFlight: 0 };
    try {
      for (let kill = 1; kill <= KILLS; kill++) {
        const cli = await start(db);
        let stopped = false;
        const senders = Array.from({ length: SENDERS }, () => sender(`${cli.otlpUrl}/v1/traces`, l, () => stopped));
        // Let ingest get going, then kill at a random moment of it.
        const ackedBefore = l.acked.size;
        while (l.acked.size < ackedBefore + 20) await new Promise((r) => setTimeout(r, 10));
        const delay = Math.floor(200 + random() * 1300);
        await new Promise((r) => setTimeout(r, delay));
        const inFlight = l.inFlight;
        cli.child.kill('SIGKILL');
        await cli.exit;
        stopped = true;
        await Promise.all(senders);
        console.log(`durability-kill: kill ${kill} after ${delay} ms more, ${inFlight} requests in flight; ${l.acked.size} requests acknowledged so far, ${l.unanswered.length} to resend`);
      }
      // The last start: everything unanswered is sent again until answered, plus a few acknowledged ones, which a
      // retrying exporter may send twice too: the store absorbs them.
      const cli = await start(db);
      const url = `${cli.otlpUrl}/v1/traces`;
      const again = [...l.acked].filter((_, i) => i % 50 === 0);
      l.unanswered.push(...again);
      const target = l.next;
      await Promise.all(Array.from({ length: SENDERS }, () => sender(url, l, () => l.unanswered.length === 0 && l.next >= target)));
      expect(l.unanswered).toEqual([]);
      // Stopped without a flush, as the kills: what was acknowledged must already be on disk.
      cli.child.kill('SIGKILL');
      await cli.exit;

      const { integrity, counts } = storedSpans(db);
      expect(integrity).toBe('ok');
      let missing = 0;
      for (const r of l.acked) {
        for (let j = 0; j < SPANS_PER_REQUEST; j++) if (counts.get(`${traceOf(r)}/${spanIdOf(r, j)}`) !== 1) missing++;
      }
      const twice = [...counts.values()].filter((n) => n > 1).length;
      const acknowledgedSpans = l.acked.size * SPANS_PER_REQUEST;
      console.log(`durability-kill: ${acknowledgedSpans} spans acknowledged (${again.length} requests sent twice on purpose), ${counts.size} stored, ${missing} acknowledged spans not stored exactly once, ${twice} stored twice`);
      expect(l.acked.size).toBe(target);
      expect(missing).toBe(0);
      expect(twice).toBe(0);
      expect(counts.size).toBe(acknowledgedSpans);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
