import type { Cursor as CursorType } from './cursor.js';
import { Cursor } from './cursor.js';
import { BIT_ERROR } from './format.js';
import { readHeader } from './read-chunk.js';
import { STATIC_COUNT, STATIC_STRINGS_V1 } from './static-strings.js';
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
  const want = (k: number): boolean => keyOf[k] !== undefined;
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
    c.scanAttributes(want, (k, text) => values.push([keyOf[k]!, text]));
    c.u32(); // dropped attributes
    for (let n = c.count(4), j = 0; j < n; j++) {
      c.u64(); // time
      c.strIndex(); // name
      c.scanAttributes(want, (k, text) => eventValues.push([keyOf[k]!, text]));
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

/** Indexed keys by UTF-8 length, for matching literals, and those that are static strings; cached per collection. */
interface Prepared {
  byLength: Map<number, Array<{ key: string; bytes: Buffer }>>;
  statics: Array<[number, string]>;
}
const cache = new WeakMap<object, Prepared>();

function prepared(keys: Iterable<string>): Prepared {
  const hit = cache.get(keys as object);
  if (hit !== undefined) return hit;
  const p: Prepared = { byLength: new Map(), statics: [] };
  for (const key of new Set(keys)) {
    const st = STATIC_STRINGS_V1.indexOf(key);
    if (st > 0) p.statics.push([st, key]);
    const bytes = Buffer.from(key, 'utf8');
    let list = p.byLength.get(bytes.length);
    if (list === undefined) p.byLength.set(bytes.length, (list = []));
    list.push({ key, bytes });
  }
  cache.set(keys as object, p);
  return p;
}

/** For each `str` index of the chunk (statics, then its literals), the indexed key it spells, if any. */
function matchKeys(c: Cursor, keys: Prepared): (string | undefined)[] {
  const out = new Array<string | undefined>(STATIC_COUNT + c.literalCount);
  for (const [i, key] of keys.statics) out[i] = key;
  if (keys.byLength.size === 0) return out;
  for (let i = 0; i < c.literalCount; i++) {
    const b = c.literalBytes(i);
    const list = keys.byLength.get(b.length);
    if (list === undefined) continue;
    for (const k of list) if (k.bytes.equals(b)) out[STATIC_COUNT + i] = k.key;
  }
  return out;
}
