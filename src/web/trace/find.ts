import type { AttrValue, Span } from '../../model/span.js';

/**
 * Find-in-trace: a span matches when the text (case-insensitive) occurs in its name, its service, or the
 * key or value of one of its own or its resource's attributes. Plain substring, no syntax to learn.
 */
export function spanMatches(span: Span, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return false;
  if (span.name.toLowerCase().includes(q) || span.service.toLowerCase().includes(q)) return true;
  return attrsMatch(span.attributes, q) || attrsMatch(span.resource.attributes, q);
}

function attrsMatch(attrs: Record<string, AttrValue>, q: string): boolean {
  for (const [key, value] of Object.entries(attrs)) {
    if (key.toLowerCase().includes(q)) return true;
    if (valueText(value).toLowerCase().includes(q)) return true;
  }
  return false;
}

/** How an attribute value reads in the UI: strings as they are, everything else as JSON. */
export function valueText(v: AttrValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
