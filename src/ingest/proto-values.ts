import type { RequestEncoder } from '../codec/encoder.js';
import { MAX_VALUE_DEPTH } from '../codec/format.js';
import { InvalidInputError } from '../model/errors.js';
import type { ProtoReader } from './proto-reader.js';

/**
 * Protobuf KeyValue / AnyValue -> the chunk's values, types kept (codec/format.ts `value`). Proto3 semantics:
 * the oneof's last case wins, and a value sent twice merges (an empty second AnyValue keeps the first); an
 * AnyValue with no case is the empty value. Cases a later one overrides are still checked, into nowhere.
 */

/** Nesting of array/kvlist values: bounded so hostile input cannot overflow the stack. */
let depth = 0;

/** At the start of every request (an earlier one may have thrown half-way). */
export function resetValues(): void {
  depth = 0;
}

/** One KeyValue message at [r.pos, end). */
export function keyValue(r: ProtoReader, end: number, enc: RequestEncoder): void {
  const start = r.pos;
  const buf = r.buf;
  // Fast path for what every SDK sends: key (< 128 bytes) then one value (< 128 bytes), nothing else.
  if (buf[start] === 0x0a && start + 2 <= end) {
    const ke = start + 2 + buf[start + 1];
    if (buf[start + 1] < 0x80 && ke + 2 <= end && buf[ke] === 0x12 && buf[ke + 1] < 0x80 && ke + 2 + buf[ke + 1] === end) {
      enc.keyIn(start + 2, ke);
      r.pos = ke + 2;
      anyValue(r, end, enc);
      return;
    }
  }
  // The key must be written before the value however the fields are ordered, and the last key wins.
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
  enc.keyIn(ks, ke);
  if (values === 0) enc.vEmpty();
  else if (values === 1) {
    r.pos = vs;
    anyValue(r, ve, enc);
  } else {
    // Several values merge into one AnyValue: its last case, wherever it is, wins.
    const ranges: number[] = [];
    r.pos = start;
    while (r.pos < end) {
      const tag = r.tag(end, 'KeyValue');
      if (tag === 0x12) {
        const e = r.lenEnd(end, 'KeyValue.value');
        ranges.push(r.pos, e);
        r.pos = e;
      } else r.skip(tag, end, 'KeyValue');
    }
    lastCase(r, ranges, enc);
  }
  r.pos = end;
}

const isCase = (tag: number): boolean =>
  tag === 0x0a || tag === 0x10 || tag === 0x18 || tag === 0x21 || tag === 0x2a || tag === 0x32 || tag === 0x3a || tag === 0x40;

/** One AnyValue message at [r.pos, end). */
function anyValue(r: ProtoReader, end: number, enc: RequestEncoder): void {
  const s = r.pos;
  if (s === end) {
    enc.vEmpty();
    return;
  }
  const tag = r.tag(end, 'AnyValue');
  const at = r.pos;
  // The usual single field, string or int: read once.
  if (tag === 0x0a) {
    const e = r.lenEnd(end, 'AnyValue.string_value');
    if (e === end) {
      enc.vStrIn(r.pos, e);
      r.pos = e;
      return;
    }
    r.pos = at;
  } else if (tag === 0x18) {
    const lo = r.varint(end, 'AnyValue.int_value');
    if (r.pos === end) {
      enc.vInt(lo, r.hi);
      return;
    }
    r.pos = at;
  }
  r.skip(tag, end, 'AnyValue');
  if (r.pos === end) {
    // One field: the common case.
    if (isCase(tag)) {
      r.pos = at;
      valueCase(r, tag, end, enc);
    } else enc.vEmpty();
    r.pos = end;
    return;
  }
  lastCase(r, [s, end], enc);
}

/** Encodes the last case found in the AnyValue bytes `ranges` (start/end pairs); earlier cases are checked only. */
function lastCase(r: ProtoReader, ranges: number[], enc: RequestEncoder): void {
  const cases: number[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    const e = ranges[i + 1];
    r.pos = ranges[i];
    while (r.pos < e) {
      const tag = r.tag(e, 'AnyValue');
      const at = r.pos;
      r.skip(tag, e, 'AnyValue');
      if (isCase(tag)) cases.push(tag, at, e);
    }
  }
  if (cases.length === 0) {
    enc.vEmpty();
    return;
  }
  for (let i = 0; i < cases.length; i += 3) {
    const last = i === cases.length - 3;
    const mark = last ? 0 : enc.discardBegin();
    r.pos = cases[i + 1];
    valueCase(r, cases[i], cases[i + 2], enc);
    if (!last) enc.discardEnd(mark);
  }
}

/** The case `tag` whose payload starts at r.pos, inside an AnyValue ending at `end`. */
function valueCase(r: ProtoReader, tag: number, end: number, enc: RequestEncoder): void {
  switch (tag) {
    case 0x0a: {
      const e = r.lenEnd(end, 'AnyValue.string_value');
      enc.vStrIn(r.pos, e);
      r.pos = e;
      return;
    }
    case 0x10: {
      const lo = r.varint(end, 'AnyValue.bool_value');
      enc.vBool(lo !== 0 || r.hi !== 0);
      return;
    }
    case 0x18: {
      const lo = r.varint(end, 'AnyValue.int_value');
      enc.vInt(lo, r.hi);
      return;
    }
    case 0x21:
      enc.vDoubleIn(r.fixed(8, end, 'AnyValue.double_value'));
      return;
    case 0x2a: {
      const e = r.lenEnd(end, 'AnyValue.array_value');
      arrayValue(r, e, enc);
      r.pos = e;
      return;
    }
    case 0x32: {
      const e = r.lenEnd(end, 'AnyValue.kvlist_value');
      kvlistValue(r, e, enc);
      r.pos = e;
      return;
    }
    case 0x3a: {
      const e = r.lenEnd(end, 'AnyValue.bytes_value');
      enc.vBytesIn(r.pos, e);
      r.pos = e;
      return;
    }
    default:
      // 0x40, string_value_strindex, points into a profiles dictionary that traces do not have.
      r.varint(end, 'AnyValue.string_value_strindex');
      enc.vEmpty();
  }
}

/** How many fields `tag` the message at [r.pos, end) has; checks the others on the way and rewinds. */
function countFields(r: ProtoReader, end: number, tag: number, what: string): number {
  const start = r.pos;
  let n = 0;
  while (r.pos < end) {
    const t = r.tag(end, what);
    if (t === tag) n++;
    r.skip(t, end, what);
  }
  r.pos = start;
  return n;
}

function arrayValue(r: ProtoReader, end: number, enc: RequestEncoder): void {
  enter(r);
  enc.vArray(countFields(r, end, 0x0a, 'ArrayValue'));
  while (r.pos < end) {
    const tag = r.tag(end, 'ArrayValue');
    if (tag !== 0x0a) {
      r.skip(tag, end, 'ArrayValue');
      continue;
    }
    const e = r.lenEnd(end, 'ArrayValue.values');
    anyValue(r, e, enc);
    r.pos = e;
  }
  depth--;
}

function kvlistValue(r: ProtoReader, end: number, enc: RequestEncoder): void {
  enter(r);
  enc.vKvlist(countFields(r, end, 0x0a, 'KeyValueList'));
  while (r.pos < end) {
    const tag = r.tag(end, 'KeyValueList');
    if (tag === 0x0a) {
      const e = r.lenEnd(end, 'KeyValueList.values');
      keyValue(r, e, enc);
      r.pos = e;
    } else r.skip(tag, end, 'KeyValueList');
  }
  enc.endKvlist();
  depth--;
}

function enter(r: ProtoReader): void {
  if (++depth > MAX_VALUE_DEPTH) {
    throw new InvalidInputError(`invalid protobuf: AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels at byte ${r.pos}`);
  }
}
