import zlib from 'node:zlib';
import fc from 'fast-check';

/**
 * Shared by the fuzz tests: mutations of valid payloads (fast-check arbitraries, so a failure shrinks to the
 * smallest breaking mutation and prints its seed), an HTTP call bounded in time, and the one check every answer
 * must pass: a 2xx, or a 4xx that says why — never a 5xx, a crash or a hang.
 */

/**
 * The same cases every run by default, so CI is reproducible; FUZZ_SEED=<n> replays a run, FUZZ_SEED=random explores
 * new cases (the seed is printed, and by fast-check on failure).
 */
const FIXED_SEED = 958_159_076;
export const SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : FIXED_SEED;
/** Cases per receiver and encoding; FUZZ_RUNS raises it for a longer local run. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
export const params = (runs = RUNS): fc.Parameters<unknown> => ({ seed: SEED, numRuns: process.env.FUZZ_RUNS ? RUNS : runs, endOnFailure: true, interruptAfterTimeLimit: 60_000 });

/** One byte-level edit of a buffer; positions are fractions of its length so they shrink well and stay in range. */
type Edit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; len: number };

const where = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
/** Bytes that mean something in protobuf and JSON: varint continuations, tags, quotes, braces, digits. */
const interesting = fc.constantFrom(0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x7f, 0x80, 0xff, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x5c, 0x30, 0x39, 0x2d);

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: where, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: where, byte: fc.oneof(interesting, fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at: where, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('delete' as const), at: where, len: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: where }),
  fc.record({ op: fc.constant('duplicate' as const), at: where, len: fc.integer({ min: 1, max: 64 }) }),
);

export function applyEdits(src: Buffer, edits: readonly Edit[]): Buffer {
  let b = Buffer.from(src);
  for (const e of edits) {
    const at = Math.floor(e.at * (b.length + 1));
    switch (e.op) {
      case 'flip':
        if (at < b.length) b[at] ^= 1 << e.bit;
        break;
      case 'set':
        if (at < b.length) b[at] = e.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at, at + e.len), b.subarray(at + e.len)]);
        break;
    }
  }
  return b;
}

/** How a fuzzed body is made from the valid ones: mutated, random, or mutated and then gzipped (or the gzip mutated). */
export type Body = { bytes: Buffer; gzip: boolean; how: string };

export function bodies(valid: readonly Buffer[]): fc.Arbitrary<Body> {
  const base = fc.integer({ min: 0, max: valid.length - 1 });
  const edits = fc.array(edit, { minLength: 1, maxLength: 6 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(base, edits).map(([i, e]) => ({ bytes: applyEdits(valid[i], e), gzip: false, how: `valid[${i}] edited ${JSON.stringify(e)}` })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((u) => ({ bytes: Buffer.from(u), gzip: false, how: 'random bytes' })) },
    { weight: 2, arbitrary: fc.tuple(base, edits).map(([i, e]) => ({ bytes: zlib.gzipSync(applyEdits(valid[i], e)), gzip: true, how: `gzip(valid[${i}] edited)` })) },
    {
      weight: 2,
      arbitrary: fc.tuple(base, edits).map(([i, e]) => ({ bytes: applyEdits(zlib.gzipSync(valid[i]), e), gzip: true, how: `gzip(valid[${i}]) edited ${JSON.stringify(e)}` })),
    },
  );
}

/**
 * JSON-aware mutations: a node of a valid document (any depth) replaced by an arbitrary JSON value, or removed; the
 * decoders' type checks and the fast path's give-ups are what this reaches.
 */
export function jsonMutations(valid: readonly unknown[]): fc.Arbitrary<Body> {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('NaN', 'Infinity', '-1', '18446744073709551616', '', 'ZZZZ', '0x10', 1e308, -0, 2 ** 53 + 1, null, [], {}),
  );
  return fc
    .tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(fc.tuple(where, value, fc.boolean()), { minLength: 1, maxLength: 4 }))
    .map(([i, changes]) => {
      const doc = structuredClone(valid[i]);
      for (const [at, v, remove] of changes) replaceNode(doc, at, v, remove);
      return { bytes: Buffer.from(JSON.stringify(doc)), gzip: false, how: `json valid[${i}] ${JSON.stringify(changes)}` };
    });
}

function replaceNode(doc: unknown, at: number, v: unknown, remove: boolean): void {
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach((y, i) => (slots.push([x, i]), walk(y)));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) slots.push([x as Record<string, unknown>, k]), walk(y);
  };
  walk(doc);
  if (slots.length === 0) return;
  const [parent, key] = slots[Math.floor(at * slots.length)];
  if (remove && Array.isArray(parent)) parent.splice(key as number, 1);
  else if (remove) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string, unknown>)[key as string] = v;
}

export interface Answer {
  status: number;
  body: string;
}

/** fetch with a deadline: a hang fails the case (as a timeout), not the whole run. */
export async function call(url: string, init: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {}, ms = 15_000): Promise<Answer> {
  const body = Buffer.isBuffer(init.body) ? new Uint8Array(init.body) : init.body;
  const res = await fetch(url, { ...init, body, signal: AbortSignal.timeout(ms) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()).toString('latin1') };
}

/** Answers by route and status, printed after a run: shows the cases reached the decoders (200s) and their checks (4xx). */
export const tally = new Map<string, Map<number, number>>();
export function count(route: string, status: number): void {
  const m = tally.get(route) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  tally.set(route, m);
}
export function printTally(): void {
  for (const [route, m] of tally) console.log(`${route}: ${[...m].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
}

/** A 2xx, or a 4xx with a message: the promise every receiver and query route keeps for any input. */
export function acceptable(a: Answer, what: string): void {
  count(what.split(' ').slice(0, 2).join(' ').replace(/^http:\/\/[^/]+/, ''), a.status);
  if (a.status >= 200 && a.status < 300) return;
  if (a.status >= 400 && a.status < 500 && a.body.trim().length > 0) return;
  throw new Error(`${what}: answered ${a.status} ${a.body.slice(0, 300)} (FUZZ_SEED=${SEED} replays this run)`);
}
