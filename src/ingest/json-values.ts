import type { RequestEncoder } from '../codec/encoder.js';
import { MAX_VALUE_DEPTH } from '../codec/format.js';
import { InvalidInputError } from '../model/errors.js';

/**
 * Field readers for OTLP/JSON (reference/protocol.md §1.4). `null` and a missing key both mean the
 * default, as in proto3 JSON; a value of the wrong type makes the document undecodable (400).
 * `what` names the field for the error message.
 */

export type Obj = Record<string, unknown>;

export function fail(what: string, detail: string, v?: unknown): never {
  const got = v === undefined ? '' : `, got ${preview(v)}`;
  throw new InvalidInputError(`invalid OTLP/JSON: ${what} ${detail}${got}`);
}

function preview(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null || typeof v !== 'object') {
    const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
    return s.length > 40 ? s.slice(0, 40) + '…' : s;
  }
  return 'an object';
}

export function object(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what, 'must be an object', v);
  return v as Obj;
}

export function optObject(v: unknown, what: string): Obj | undefined {
  return v === undefined || v === null ? undefined : object(v, what);
}

export function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) fail(what, 'must be an array', v);
  return v;
}
const EMPTY: unknown[] = [];

export function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return fail(what, 'must be a string', v);
}

const DIGITS = /^[0-9]+$/;
const SIGNED_DIGITS = /^-?[0-9]+$/;
const TWO64 = 1n << 64n;

/** uint32 / fixed32 (counts, flags): a JSON number, or a decimal string. */
export function uint32(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && DIGITS.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    fail(what, 'must be an unsigned 32-bit integer', v);
  }
  return n;
}

/** fixed64 epoch nanoseconds: a decimal string (exact) or a number (may already have lost precision). */
export function nanos(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  let n: bigint | undefined;
  if (typeof v === 'string' && allDigits(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  if (n === undefined || n >= TWO64) fail(what, 'must be an unsigned 64-bit integer (decimal string or number)', v);
  return n;
}

function allDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** An enum: its integer (number or string), its proto name or its short name, in any case. */
export function enumCode(v: unknown, names: ReadonlyMap<string, number>, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 0x7fffffff) return v;
  if (typeof v === 'string') {
    const code = SIGNED_DIGITS.test(v) ? Number(v) : names.get(v.toLowerCase());
    if (code !== undefined && Math.abs(code) <= 0x7fffffff) return code;
  }
  return fail(what, 'must be an enum integer or name', v);
}

export const SPAN_KIND_CODES: ReadonlyMap<string, number> = enumNames('span_kind_', [
  'unspecified', 'internal', 'server', 'client', 'producer', 'consumer',
]);
export const STATUS_CODES: ReadonlyMap<string, number> = enumNames('status_code_', ['unset', 'ok', 'error']);

function enumNames(prefix: string, names: string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => m.set(prefix + n, i).set(n, i));
  return m;
}

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * A trace/span ID: hex in any case (OTLP/JSON), or base64 as early OTLP/JSON sent it; returns lowercase
 * hex, '' when absent, or null when the text is neither (the span is then rejected, not the request).
 * Hex of the expected length wins; otherwise base64 that decodes to `bytes` bytes; otherwise any hex,
 * so that the validator can report the length.
 */
export function idHex(v: unknown, bytes: number, what: string): string | null {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') fail(what, 'must be a hex string', v);
  if (v.length === bytes * 2 && isLowerHex(v)) return v;
  const isHex = HEX.test(v) && v.length % 2 === 0;
  if (isHex && v.length === bytes * 2) return v.toLowerCase();
  if (BASE64.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  return isHex ? v.toLowerCase() : null;
}

/** Lowercase hex digits only: what OTLP/JSON senders write, checked without a regex (measured 2.5 % of decode). */
function isLowerHex(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 48 || c > 57) && (c < 97 || c > 102)) return false;
  }
  return true;
}

/**
 * A list of parsed KeyValue objects, encoded as one attribute list (`track`: the span's or resource's, whose
 * well-known keys ingest reads back).
 */
export function attributes(v: unknown, enc: RequestEncoder, track: boolean): void {
  const kvs = list(v, 'attributes');
  enc.attrs(kvs.length, track);
  for (let i = 0; i < kvs.length; i++) keyValue(kvs[i], enc, 0);
  enc.endAttrs();
}

function keyValue(v: unknown, enc: RequestEncoder, depth: number): void {
  const kv = object(v, 'KeyValue');
  enc.keyJs(str(kv.key, 'KeyValue.key'));
  anyValue(kv.value, enc, depth);
}

/** The AnyValue cases, snake_case spellings included; `stringValueStrindex` (profiles only) is empty. */
const CASES: Readonly<Record<string, true>> = Object.assign(Object.create(null) as Record<string, true>, Object.fromEntries([
  'stringValue', 'string_value', 'boolValue', 'bool_value', 'intValue', 'int_value', 'doubleValue', 'double_value',
  'arrayValue', 'array_value', 'kvlistValue', 'kvlist_value', 'bytesValue', 'bytes_value', 'stringValueStrindex',
  'string_value_strindex',
].map((k) => [k, true])));

/** An AnyValue, types kept; `{}` is empty. If several cases are present the last wins (the others are checked). */
function anyValue(v: unknown, enc: RequestEncoder, depth: number): void {
  if (v === undefined || v === null) {
    enc.vEmpty();
    return;
  }
  const o = object(v, 'AnyValue');
  let last = '';
  let x: unknown;
  let cases = 0;
  for (const k in o) {
    const y = o[k];
    if (y !== null && CASES[k] === true) {
      last = k;
      x = y;
      cases++;
    }
  }
  if (cases === 0) {
    enc.vEmpty();
    return;
  }
  if (cases > 1) {
    for (const k in o) {
      if (k === last || o[k] === null || CASES[k] !== true) continue;
      const mark = enc.discardBegin();
      valueCase(k, o[k], enc, depth);
      enc.discardEnd(mark);
    }
  }
  valueCase(last, x, enc, depth);
}

function valueCase(k: string, x: unknown, enc: RequestEncoder, depth: number): void {
  switch (k) {
    case 'stringValue': case 'string_value': enc.vStrJs(str(x, 'AnyValue.stringValue')); return;
    case 'boolValue': case 'bool_value': enc.vBool(bool(x)); return;
    case 'intValue': case 'int_value': int(x, enc); return;
    case 'doubleValue': case 'double_value': enc.vDouble(double(x)); return;
    case 'arrayValue': case 'array_value': array(x, enc, depth + 1); return;
    case 'kvlistValue': case 'kvlist_value': kvlist(x, enc, depth + 1); return;
    case 'bytesValue': case 'bytes_value': bytes(x, enc); return;
    // A profiles-only dictionary index: traces have no dictionary, so the value is unknown.
    default: enc.vEmpty();
  } // prettier-ignore
}

function bool(x: unknown): boolean {
  if (typeof x !== 'boolean') fail('AnyValue.boolValue', 'must be true or false', x);
  return x;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** int64: the OTel JS exporter sends a number, proto3 JSON a string (exact, via BigInt). */
function int(x: unknown, enc: RequestEncoder): void {
  if (typeof x === 'number' && Number.isInteger(x)) {
    if (Number.isSafeInteger(x)) return enc.vIntNum(x);
    // 2^63 is how a double spells INT64_MAX (9223372036854775807 rounds up): clamp it back.
    if (Math.abs(x) <= 2 ** 63) return enc.vIntBig(x === 2 ** 63 ? INT64_MAX : BigInt(x));
  } else if (typeof x === 'string' && SIGNED_DIGITS.test(x)) {
    if (x.length < 16) return enc.vIntNum(Number(x));
    const n = BigInt(x);
    if (n >= INT64_MIN && n <= INT64_MAX) return enc.vIntBig(n);
  }
  fail('AnyValue.intValue', 'must be a 64-bit integer (decimal string or number)', x);
}

function double(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    if (x === 'NaN') return NaN;
    if (x === 'Infinity') return Infinity;
    if (x === '-Infinity') return -Infinity;
    const n = x.trim() === '' ? NaN : Number(x);
    if (n === n) return n;
  }
  return fail('AnyValue.doubleValue', 'must be a number, "NaN", "Infinity" or "-Infinity"', x);
}

/** bytes: standard or URL-safe base64. */
function bytes(x: unknown, enc: RequestEncoder): void {
  if (typeof x !== 'string' || !BASE64.test(x)) fail('AnyValue.bytesValue', 'must be base64', x);
  const b = Buffer.from(x, 'base64');
  enc.vBytes(b, 0, b.length);
}

function array(x: unknown, enc: RequestEncoder, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) fail('AnyValue', `is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const values = list(object(x, 'AnyValue.arrayValue').values, 'ArrayValue.values');
  enc.vArray(values.length);
  for (let i = 0; i < values.length; i++) anyValue(values[i], enc, depth);
}

function kvlist(x: unknown, enc: RequestEncoder, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) fail('AnyValue', `is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const kvs = list(object(x, 'AnyValue.kvlistValue').values, 'attributes');
  enc.vKvlist(kvs.length);
  for (let i = 0; i < kvs.length; i++) keyValue(kvs[i], enc, depth);
  enc.endKvlist();
}
