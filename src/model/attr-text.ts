import type { AttrGet } from './semconv.js';

/**
 * Reading single top-level attributes straight from a span's attributes JSON text (as the decoders write it:
 * compact, keys quoted with JSON escapes), without parsing the whole object: ingest decides a few things per
 * span (failed? whom did it call?) and a full JSON.parse of every span would cost more than the decode.
 * A hit inside a string or a nested value is ruled out by scanning the nesting up to it.
 */

/** The string, number or boolean stored under `key` at the top level; undefined for anything else. */
export function topLevelValue(json: string, key: string): string | number | boolean | undefined {
  const needle = `"${key}":`;
  let at = json.indexOf(needle);
  while (at > 0) {
    const before = json.charCodeAt(at - 1);
    if ((before === 0x7b || before === 0x2c) && depthAt(json, at) === 1) return valueAt(json, at + needle.length);
    at = json.indexOf(needle, at + needle.length);
  }
  return undefined;
}

/** An integer (or a digits-only string) under `key` at the top level. */
export function topLevelInt(json: string, key: string): number | undefined {
  const v = topLevelValue(json, key);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** An attribute getter over JSON text, for the semantic-convention readers in model/semconv.ts. */
export function textGetter(json: string): AttrGet {
  return (key) => topLevelValue(json, key);
}

function valueAt(json: string, p: number): string | number | boolean | undefined {
  const c = json.charCodeAt(p);
  if (c === 0x22) {
    const end = stringEnd(json, p);
    const raw = json.slice(p, end + 1);
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }
  if (json.startsWith('true', p)) return true;
  if (json.startsWith('false', p)) return false;
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    let i = p + 1;
    while (i < json.length && json.charCodeAt(i) !== 0x2c && json.charCodeAt(i) !== 0x7d) i++;
    const n = Number(json.slice(p, i));
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** Index of the quote that closes the string opening at `p`. */
function stringEnd(json: string, p: number): number {
  for (let i = p + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return json.length - 1;
}

/** Object/array nesting at position `p`, skipping strings; 1 = directly inside the top-level object. */
function depthAt(json: string, p: number): number {
  let depth = 0;
  for (let i = 0; i < p; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) i = stringEnd(json, i);
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}
