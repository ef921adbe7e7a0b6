import { readChunkIndex, readDimension } from '../codec/index.js';
import type { AttrValue } from '../model/span.js';
import type { EncodedChunk, EncodedDimension } from '../model/encoded.js';

/**
 * The text values of an attribute on a buffered trace's spans and their resources, for attribute rules: read from
 * the chunks only when a rule asks (a policy without attribute rules never pays for it), once per trace.
 */
export function attributeReader(
  parts: ReadonlyArray<{ chunk: EncodedChunk; dims: readonly EncodedDimension[] }>,
  keys: readonly string[],
): (key: string) => readonly string[] {
  let values: Map<string, string[]> | undefined;
  return (key) => {
    if (!values) values = read(parts, keys);
    return values.get(key) ?? [];
  };
}

function read(parts: ReadonlyArray<{ chunk: EncodedChunk; dims: readonly EncodedDimension[] }>, keys: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  };
  const resources = new Set<string>();
  for (const p of parts) {
    for (const span of readChunkIndex(p.chunk.data, keys)) {
      for (const [k, v] of span.values) add(k, v);
      if (resources.has(span.resource)) continue;
      resources.add(span.resource);
      const dim = p.dims.find((d) => d.hash === span.resource);
      if (!dim) continue;
      const info = readDimension(dim.data);
      for (const k of keys) {
        const v = text(info.attributes[k]);
        if (v !== undefined) add(k, v);
      }
    }
  }
  return out;
}

/** The attribute search's text form (codec/types.ts IndexedSpan): strings as they are, numbers and booleans written out. */
function text(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
