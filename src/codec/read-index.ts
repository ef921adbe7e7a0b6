import type { Cursor as CursorType } from './cursor.js';
import { Cursor } from './cursor.js';
import { BIT_ERROR } from './format.js';
import { readHeader } from './read-chunk.js';
import type { IndexedSpan } from './types.js';

/**
 * The writer's light reader: per span only its index fields, and the values of the attribute keys it indexes
 * (the span's own and its events'), skipping everything else. Keys are matched as bytes against the chunk's
 * literal table once per chunk, so no attribute key or unindexed value ever becomes a JS string.
 */
export function readChunkIndex(data: Uint8Array, indexedKeys: Iterable<string>): IndexedSpan[] {
  const c = new Cursor(data, 'chunk');
  const h = readHeader(c);
  const keyOf = matchKeys(c, prepared(indexedKeys));
  const want = (k: number): boolean => k !== 0 && keyOf[k - 1] !== undefined;
  const out: IndexedSpan[] = [];
  const chunkEnd = c.end;
  for (let i = 0; i < h.spanCount; i++) {
    const len = c.u32();
    if (len > chunkEnd - c.p) c.fail(`span ${i} of length ${len} runs past the end`);
    const spanEnd = c.p + len;
    c.end = spanEnd;
    const spanId = c.hex(8);
    const parentLen = c.u8();
    if (parentLen !== 0 && parentLen !== 8) c.fail(`parent ID of ${parentLen} bytes`, c.p - 1);
    const parentSpanId = parentLen === 0 ? '' : c.hex(8);
    const flags = c.u32();
    const kind = c.zz32();
    const start = h.base + BigInt(c.u64());
    const end = start + BigInt(c.u64());
    const bits = c.u32();
    const name = c.str();
    c.strIndex(); // traceState
    const statusCode = c.zz32();
    c.strIndex(); // statusMessage
    const resource = dim(c, h.dims);
    const scope = dim(c, h.dims);
    const callee = c.str();
    const address = c.str();
    const values: Array<[string, string]> = [];
    const eventValues: Array<[string, string]> = [];
    c.scanAttributes(want, (k, text) => values.push([keyOf[k - 1]!, text]));
    c.u32(); // dropped attributes
    for (let n = c.count(4), j = 0; j < n; j++) {
      c.u64(); // time
      c.strIndex(); // name
      c.scanAttributes(want, (k, text) => eventValues.push([keyOf[k - 1]!, text]));
      c.u32();
    }
    // Dropped events and the links are not index fields: the span's length steps over them.
    c.p = spanEnd;
    c.end = chunkEnd;
    out.push({
      spanId, parentSpanId, kind, flags, startNs: start, endNs: end, error: (bits & BIT_ERROR) !== 0,
      name, callee, address, statusCode, resource, scope, values, eventValues,
    }); // prettier-ignore
  }
  c.done('the last span');
  return out;
}

function dim(c: CursorType, dims: string[]): string {
  const at = c.p;
  const i = c.u32();
  if (i >= dims.length) c.fail(`dimension ${i} of ${dims.length}`, at);
  return dims[i];
}

/** Indexed keys by UTF-8 length, for matching literals; cached per key collection the writer passes. */
type Prepared = Map<number, Array<{ key: string; bytes: Buffer }>>;
const cache = new WeakMap<object, Prepared>();

function prepared(keys: Iterable<string>): Prepared {
  const hit = cache.get(keys as object);
  if (hit !== undefined) return hit;
  const byLength: Prepared = new Map();
  for (const key of keys) {
    const bytes = Buffer.from(key, 'utf8');
    let list = byLength.get(bytes.length);
    if (list === undefined) byLength.set(bytes.length, (list = []));
    if (!list.some((k) => k.key === key)) list.push({ key, bytes });
  }
  cache.set(keys as object, byLength);
  return byLength;
}

/** For each literal of the chunk, the indexed key it spells, if any. */
function matchKeys(c: Cursor, keys: Prepared): (string | undefined)[] {
  const out = new Array<string | undefined>(c.literalCount);
  if (keys.size === 0) return out;
  for (let i = 0; i < c.literalCount; i++) {
    const b = c.literalBytes(i);
    const list = keys.get(b.length);
    if (list === undefined) continue;
    for (const k of list) if (k.bytes.equals(b)) out[i] = k.key;
  }
  return out;
}
