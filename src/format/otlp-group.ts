import type { TypedResource, TypedScope, TypedSpan, TypedTrace } from '../model/typed.js';

/** OTLP's nesting of a trace: spans under their scope under their resource, each once, in first-span order. */
export interface GroupedResource {
  resource: TypedResource;
  scopeSpans: Array<{ scope: TypedScope; spans: TypedSpan[] }>;
}

/** Groups by the stored dimension hashes: equal content has one hash, so a resource is never split. */
export function groupTrace(trace: TypedTrace): GroupedResource[] {
  const out = new Map<string, { resource: TypedResource; scopes: Map<string, { scope: TypedScope; spans: TypedSpan[] }> }>();
  for (const s of trace.spans) {
    let r = out.get(s.resource);
    if (!r) out.set(s.resource, (r = { resource: dimension(trace.resources, s.resource), scopes: new Map() }));
    let sc = r.scopes.get(s.scope);
    if (!sc) r.scopes.set(s.scope, (sc = { scope: dimension(trace.scopes, s.scope), spans: [] }));
    sc.spans.push(s);
  }
  return [...out.values()].map((r) => ({ resource: r.resource, scopeSpans: [...r.scopes.values()] }));
}

function dimension<T>(map: ReadonlyMap<string, T>, hash: string): T {
  const d = map.get(hash);
  if (d === undefined) throw new Error(`the trace names dimension ${hash} but does not carry it`);
  return d;
}
