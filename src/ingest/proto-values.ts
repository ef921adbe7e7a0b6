import { InvalidInputError } from '../model/errors.js';
import { doubleText, int64Text, MAX_VALUE_DEPTH } from './attributes.js';
import { type JsonWriter, type KeyRanges, KeyRangesPool } from './json-writer.js';
import type { ProtoReader } from './proto-reader.js';

/**
 * Protobuf KeyValue / AnyValue -> JSON text bytes in a JsonWriter (see `AttrValue` in model/span.ts).
 * Proto3 semantics: the oneof's last case wins, and a value sent twice merges (an empty second
 * AnyValue keeps the first); an AnyValue with no case is null.
 */

const keyPool = new KeyRangesPool();
/** Nesting of array/kvlist values: bounded so hostile input cannot overflow the stack. */
let depth = 0;

/** At the start of every request (an earlier one may have thrown half-way). */
export function resetValues(): void {
  keyPool.reset();
  depth = 0;
}

/** Starts an attributes object in `w`; pair with `closeObject` (strictly nested, like a stack). */
export function openObject(w: JsonWriter): KeyRanges {
  w.reset();
  w.byte(0x7b);
  return keyPool.acquire();
}

export function closeObject(w: JsonWriter): string {
  keyPool.release();
  w.byte(0x7d);
  return w.take(0);
}

/** One KeyValue message as an object member `"key":value`. */
export function keyValue(r: ProtoReader, end: number, w: JsonWriter, keys: KeyRanges): void {
  const start = r.pos;
  const buf = r.buf;
  // Fast path for what every SDK sends: key (< 128 bytes) then one value (< 128 bytes), nothing else.
  if (buf[start] === 0x0a && start + 2 <= end) {
    const ke = start + 2 + buf[start + 1];
    if (buf[start + 1] < 0x80 && ke + 2 <= end && buf[ke] === 0x12 && buf[ke + 1] < 0x80 && ke + 2 + buf[ke + 1] === end) {
      member(w, keys, buf, start + 2, ke);
      const v0 = w.pos;
      r.pos = ke + 2;
      anyValue(r, end, w, v0);
      if (w.pos === v0) w.ascii('null');
      return;
    }
  }
  // First pass: where the key is (the last one wins) and how many values there are; KeyValue
  // messages are tiny, and the key must be written before the value however the fields are ordered.
  let ks = 0;
  let ke = 0;
  let vs = 0;
  let ve = 0;
  let values = 0;
  while (r.pos < end) {
    const tag = r.tag(end, 'KeyValue');
    if (tag === 0x0a) {
      ke = r.lenEnd(end, 'KeyValue.key');
      ks = r.pos;
      r.pos = ke;
    } else if (tag === 0x12) {
      ve = r.lenEnd(end, 'KeyValue.value');
      vs = r.pos;
      r.pos = ve;
      values++;
    } else r.skip(tag, end, 'KeyValue');
  }
  member(w, keys, buf, ks, ke);
  const v0 = w.pos;
  if (values === 1) {
    r.pos = vs;
    anyValue(r, ve, w, v0);
  } else if (values > 1) {
    r.pos = start;
    while (r.pos < end) {
      const tag = r.tag(end, 'KeyValue');
      if (tag === 0x12) {
        const e = r.lenEnd(end, 'KeyValue.value');
        anyValue(r, e, w, v0);
      } else r.skip(tag, end, 'KeyValue');
    }
  }
  if (w.pos === v0) w.ascii('null');
  r.pos = end;
}

/** Writes `,"key":` (no comma for the first member) and notes a repeated key. */
function member(w: JsonWriter, keys: KeyRanges, buf: Buffer, ks: number, ke: number): void {
  if (keys.add(buf, ks, ke)) w.dup = true;
  if (keys.members > 1) w.byte(0x2c);
  w.quoted(buf, ks, ke);
  w.byte(0x3a);
}

/** Writes the value at `v0`; each case found rewinds to `v0` first, so the last one wins. */
function anyValue(r: ProtoReader, end: number, w: JsonWriter, v0: number): void {
  while (r.pos < end) {
    const tag = r.tag(end, 'AnyValue');
    switch (tag) {
      case 0x0a: {
        const e = r.lenEnd(end, 'AnyValue.string_value');
        w.pos = v0;
        w.quoted(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      case 0x10: {
        const lo = r.varint(end, 'AnyValue.bool_value');
        w.pos = v0;
        w.ascii(lo !== 0 || r.hi !== 0 ? 'true' : 'false');
        break;
      }
      case 0x18: {
        const lo = r.varint(end, 'AnyValue.int_value');
        w.pos = v0;
        w.ascii(int64Text(lo, r.hi));
        break;
      }
      case 0x21: {
        const x = r.double(end, 'AnyValue.double_value');
        w.pos = v0;
        w.ascii(doubleText(x));
        break;
      }
      case 0x2a: {
        const e = r.lenEnd(end, 'AnyValue.array_value');
        w.pos = v0;
        arrayValue(r, e, w);
        break;
      }
      case 0x32: {
        const e = r.lenEnd(end, 'AnyValue.kvlist_value');
        w.pos = v0;
        kvlistValue(r, e, w);
        break;
      }
      case 0x3a: {
        const e = r.lenEnd(end, 'AnyValue.bytes_value');
        w.pos = v0;
        w.ascii('"' + r.buf.toString('base64', r.pos, e) + '"');
        r.pos = e;
        break;
      }
      case 0x40:
        // string_value_strindex points into a profiles dictionary that traces do not have.
        r.varint(end, 'AnyValue.string_value_strindex');
        w.pos = v0;
        w.ascii('null');
        break;
      default:
        r.skip(tag, end, 'AnyValue');
    }
  }
}

function arrayValue(r: ProtoReader, end: number, w: JsonWriter): void {
  enter(r);
  w.byte(0x5b);
  let first = true;
  while (r.pos < end) {
    const tag = r.tag(end, 'ArrayValue');
    if (tag !== 0x0a) {
      r.skip(tag, end, 'ArrayValue');
      continue;
    }
    const e = r.lenEnd(end, 'ArrayValue.values');
    if (!first) w.byte(0x2c);
    first = false;
    const v0 = w.pos;
    anyValue(r, e, w, v0);
    if (w.pos === v0) w.ascii('null');
  }
  w.byte(0x5d);
  depth--;
}

function kvlistValue(r: ProtoReader, end: number, w: JsonWriter): void {
  enter(r);
  w.byte(0x7b);
  const keys = keyPool.acquire();
  while (r.pos < end) {
    const tag = r.tag(end, 'KeyValueList');
    if (tag === 0x0a) keyValue(r, r.lenEnd(end, 'KeyValueList.values'), w, keys);
    else r.skip(tag, end, 'KeyValueList');
  }
  keyPool.release();
  w.byte(0x7d);
  depth--;
}

function enter(r: ProtoReader): void {
  if (++depth > MAX_VALUE_DEPTH) {
    throw new InvalidInputError(`invalid protobuf: AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels at byte ${r.pos}`);
  }
}
