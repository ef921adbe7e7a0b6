/**
 * Reading one top-level attribute straight from a span's attributes JSON text (as the decoders write it:
 * compact, keys quoted with JSON escapes), without parsing the whole object. Ingest uses it for the few
 * attributes it decides on per span; a hit inside a nested value is ruled out by the character before the key.
 */

/** The number (or digits-only string) stored under `key` at the top level, else undefined. */
export function topLevelInt(json: string, key: string): number | undefined {
  const needle = `"${key}":`;
  let at = json.indexOf(needle);
  while (at > 0) {
    const before = json.charCodeAt(at - 1);
    // '{' opens the top-level object (or a nested one: checked below), ',' follows a member.
    if ((before === 0x7b || before === 0x2c) && depthAt(json, at) === 1) return intAt(json, at + needle.length);
    at = json.indexOf(needle, at + needle.length);
  }
  return undefined;
}

function intAt(json: string, p: number): number | undefined {
  const quoted = json.charCodeAt(p) === 0x22;
  let i = quoted ? p + 1 : p;
  const start = i;
  while (i < json.length && json.charCodeAt(i) >= 0x30 && json.charCodeAt(i) <= 0x39) i++;
  if (i === start || i - start > 15) return undefined;
  const next = json.charCodeAt(i);
  if (quoted ? next !== 0x22 : next !== 0x2c && next !== 0x7d) return undefined;
  return Number(json.slice(start, i));
}

/** Object/array nesting at position `p`, skipping strings; 1 = directly inside the top-level object. */
function depthAt(json: string, p: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < p; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}
