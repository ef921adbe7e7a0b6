import { InvalidInputError } from '../model/errors.js';
import { bigIntText, doubleText, MAX_VALUE_DEPTH, quote } from './attributes.js';
import { dedupe } from './json-writer.js';

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
  if (typeof v === 'string' && DIGITS.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  if (n === undefined || n >= TWO64) fail(what, 'must be an unsigned 64-bit integer (decimal string or number)', v);
  return n;
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
  const isHex = HEX.test(v) && v.length % 2 === 0;
  if (isHex && v.length === bytes * 2) return v.toLowerCase();
  if (BASE64.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  return isHex ? v.toLowerCase() : null;
}

/**
 * A list of parsed KeyValue objects as the JSON text of an attributes object. Same rule as the
 * protobuf side: if a key repeats anywhere inside, the whole text is rewritten by `dedupe`.
 */
export function attributesText(v: unknown): string {
  dup = false;
  const text = objectText(v, 0);
  return dup ? dedupe(text) : text;
}

/** Set when any object inside the current attribute list repeats a key. */
let dup = false;
/** Keys of the object being built at each nesting depth (a JSON document is a tree: no interleaving). */
const keysAt: string[][] = [];

function objectText(v: unknown, depth: number): string {
  const kvs = list(v, 'attributes');
  if (kvs.length === 0) return '{}';
  const keys = keysAt[depth] ?? (keysAt[depth] = []);
  keys.length = 0;
  let s = '{';
  for (let i = 0; i < kvs.length; i++) {
    const kv = object(kvs[i], 'KeyValue');
    const key = str(kv.key, 'KeyValue.key');
    if (keys.indexOf(key) >= 0) dup = true;
    else keys.push(key);
    s += (i === 0 ? '' : ',') + quote(key) + ':' + anyValueText(kv.value, depth);
  }
  keys.length = 0;
  return s + '}';
}

/** An AnyValue as JSON text (see `AttrValue`); `{}` is null. If several cases are present the last wins. */
function anyValueText(v: unknown, depth: number): string {
  if (v === undefined || v === null) return 'null';
  const o = object(v, 'AnyValue');
  let out = 'null';
  for (const k in o) {
    const x = o[k];
    if (x === null) continue;
    switch (k) {
      case 'stringValue': case 'string_value': out = quote(str(x, 'AnyValue.stringValue')); break;
      case 'boolValue': case 'bool_value': out = bool(x); break;
      case 'intValue': case 'int_value': out = intText(x); break;
      case 'doubleValue': case 'double_value': out = doubleJson(x); break;
      case 'arrayValue': case 'array_value': out = arrayText(x, depth + 1); break;
      case 'kvlistValue': case 'kvlist_value': out = kvlistText(x, depth + 1); break;
      case 'bytesValue': case 'bytes_value': out = bytesText(x); break;
      // A profiles-only dictionary index: traces have no dictionary, so the value is unknown.
      case 'stringValueStrindex': case 'string_value_strindex': out = 'null'; break;
    }
  }
  return out;
}

function bool(x: unknown): string {
  if (typeof x !== 'boolean') fail('AnyValue.boolValue', 'must be true or false', x);
  return x ? 'true' : 'false';
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** int64: the OTel JS exporter sends a number, proto3 JSON a string (exact, via BigInt). */
function intText(x: unknown): string {
  if (typeof x === 'number' && Number.isInteger(x)) {
    if (Number.isSafeInteger(x)) return String(x);
    // 2^63 is how a double spells INT64_MAX (9223372036854775807 rounds up): clamp it back.
    if (Math.abs(x) <= 2 ** 63) return bigIntText(x === 2 ** 63 ? INT64_MAX : BigInt(x));
  } else if (typeof x === 'string' && SIGNED_DIGITS.test(x)) {
    const n = BigInt(x);
    if (n >= INT64_MIN && n <= INT64_MAX) return bigIntText(n);
  }
  return fail('AnyValue.intValue', 'must be a 64-bit integer (decimal string or number)', x);
}

function doubleJson(x: unknown): string {
  if (typeof x === 'number') return doubleText(x);
  if (typeof x === 'string') {
    if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return '"' + x + '"';
    const n = x.trim() === '' ? NaN : Number(x);
    if (n === n) return doubleText(n);
  }
  return fail('AnyValue.doubleValue', 'must be a number, "NaN", "Infinity" or "-Infinity"', x);
}

/** bytes: standard or URL-safe base64 in, standard base64 out (what the protobuf decoder emits). */
function bytesText(x: unknown): string {
  if (typeof x !== 'string' || !BASE64.test(x)) fail('AnyValue.bytesValue', 'must be base64', x);
  return '"' + Buffer.from(x, 'base64').toString('base64') + '"';
}

function arrayText(x: unknown, depth: number): string {
  if (depth > MAX_VALUE_DEPTH) fail('AnyValue', `is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const values = list(object(x, 'AnyValue.arrayValue').values, 'ArrayValue.values');
  let s = '';
  for (let i = 0; i < values.length; i++) s += (i === 0 ? '' : ',') + anyValueText(values[i], depth);
  return '[' + s + ']';
}

function kvlistText(x: unknown, depth: number): string {
  if (depth > MAX_VALUE_DEPTH) fail('AnyValue', `is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  return objectText(object(x, 'AnyValue.kvlistValue').values, depth);
}
