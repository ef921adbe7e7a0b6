import type { Comparison, SpansetExpr } from '../model/traceql.js';
import { INDEXED_KEY_SET } from './indexed-keys.js';
import { stringMatches } from './traceql-match.js';

/**
 * TraceQL → what the indexes can say about a trace (pure, given the dictionaries). Each comparison becomes a
 * *necessary* condition on the trace holding the matching span — a weaker test the indexes answer — and `&&`/`||`
 * combine them as they are: `{ resource.service.name = "a" && name = "GET /" }` needs a trace of service a with
 * an operation named "GET /"; either side of an `||` may hold. A condition the indexes cannot narrow (a regex on an
 * attribute, `!=`, an unindexed key, span attributes compared by order) needs nothing: every candidate is read
 * and checked span by span (store/traceql-match.ts), which is always the final word.
 *
 * | TraceQL | necessary condition | answered by |
 * |---|---|---|
 * | `resource.service.name` / `.service.name` `=`, `=~`, … | a service among those the dictionary matches | `trace_service_rows` (drives the scan newest first, or its primary key in `EXISTS`) |
 * | `name` `=`, `=~`, … | an operation among those the dictionary matches | `op_postings` (drives), the row's `ops` |
 * | indexed attribute `=` value | that value under that key | `attr_postings` (drives), the row's `attrs` |
 * | `status = error` | a failed span | `trace_rows.error_count > 0` |
 * | `duration >`, `>=`, `=` d | the trace lasts at least d | `trace_rows.duration_ns >= d` |
 * | `traceDuration` op d | itself | `trace_rows.duration_ns` op d |
 * | `rootName`, `rootServiceName` any operator | the root operation among those the dictionary matches | `trace_rows.root_op IN (…)` |
 */

export type Need =
  | { k: 'all' }
  | { k: 'none' }
  | { k: 'and' | 'or'; parts: Need[] }
  | { k: 'services'; ids: number[] }
  | { k: 'ops'; ids: number[] }
  | { k: 'attr'; keys: number[]; value: string }
  /** A predicate on `trace_rows AS t`, with its positional parameters. */
  | { k: 'sql'; sql: string; params: unknown[] };

/** What the plan reads the dictionaries through (store/traceql.ts passes the readers' Dictionaries). */
export interface PlanDictionaries {
  services(): ReadonlyArray<{ id: number; name: string }>;
  ops(): ReadonlyArray<{ id: number; service: string; name: string }>;
  findService(name: string): number | undefined;
  opsNamed(name: string): number[];
  /** Attribute key ids: scope 0 span (and events), 1 resource. */
  findKey(scope: number, key: string): number | undefined;
}

/** Lists longer than this are not worth binding: the condition is left to the exact check. */
const MAX_IDS = 500;

const ALL: Need = { k: 'all' };
const NONE: Need = { k: 'none' };

export function needOf(expr: SpansetExpr, dicts: PlanDictionaries): Need {
  if (expr.type === 'true') return ALL;
  if (expr.type === 'and' || expr.type === 'or') return combine(expr.type, [needOf(expr.left, dicts), needOf(expr.right, dicts)]);
  return comparisonNeed(expr as Comparison, dicts);
}

function comparisonNeed(c: Comparison, dicts: PlanDictionaries): Need {
  const f = c.field;
  if (f.type === 'attribute') {
    if (f.key === 'service.name' && f.scope !== 'span') {
      if (c.op === '=' && c.value.type === 'string') return idsNeed('services', [dicts.findService(c.value.value)].filter((x) => x !== undefined));
      if (c.value.type === 'string') return idsNeed('services', dicts.services().filter((s) => stringMatches(s.name, c)).map((s) => s.id));
      return ALL;
    }
    if (c.op !== '=' || !INDEXED_KEY_SET.has(f.key)) return ALL;
    const v = c.value;
    const value = v.type === 'string' ? v.value : v.type === 'number' || v.type === 'boolean' ? String(v.value) : undefined;
    if (value === undefined) return ALL;
    const scopes = f.scope === 'span' ? [0] : f.scope === 'resource' ? [1] : [0, 1];
    const keys = scopes.map((s) => dicts.findKey(s, f.key)).filter((k): k is number => k !== undefined);
    return keys.length === 0 ? NONE : { k: 'attr', keys, value };
  }
  switch (f.name) {
    case 'name':
      if (c.op === '=' && c.value.type === 'string') return idsNeed('ops', dicts.opsNamed(c.value.value));
      return idsNeed('ops', dicts.ops().filter((o) => stringMatches(o.name, c)).map((o) => o.id));
    case 'status':
      return c.op === '=' && c.value.type === 'status' && c.value.value === 2 ? { k: 'sql', sql: 't.error_count > 0', params: [] } : ALL;
    case 'duration':
      if (c.value.type !== 'duration' || !['>', '>=', '='].includes(c.op)) return ALL;
      return { k: 'sql', sql: `t.duration_ns ${c.op === '>' ? '>' : '>='} ?`, params: [c.value.value] };
    case 'traceDuration':
      if (c.value.type !== 'duration') return ALL;
      return { k: 'sql', sql: `t.duration_ns ${c.op === '=' ? '=' : c.op === '!=' ? '<>' : c.op} ?`, params: [c.value.value] };
    case 'rootName':
    case 'rootServiceName': {
      const ids = dicts.ops().filter((o) => stringMatches(f.name === 'rootName' ? o.name : o.service, c)).map((o) => o.id);
      if (ids.length === 0) return NONE;
      if (ids.length > MAX_IDS) return ALL;
      return { k: 'sql', sql: 't.root_op IN (SELECT value FROM json_each(?))', params: [JSON.stringify(ids)] };
    }
    default:
      return ALL;
  }
}

function idsNeed(k: 'services' | 'ops', ids: number[]): Need {
  if (ids.length === 0) return NONE;
  return ids.length > MAX_IDS ? ALL : { k, ids };
}

/** And/or with the constants folded, nested and/or flattened, and an `||` of operations (or services) merged into one list. */
export function combine(k: 'and' | 'or', needs: Need[]): Need {
  const absorbing = k === 'and' ? 'none' : 'all';
  const neutral = k === 'and' ? 'all' : 'none';
  const parts: Need[] = [];
  for (const n of needs) {
    if (n.k === absorbing) return n;
    if (n.k === neutral) continue;
    if (n.k === k) parts.push(...n.parts);
    else parts.push(n);
  }
  if (parts.length === 0) return k === 'and' ? ALL : NONE;
  if (parts.length === 1) return parts[0];
  if (k === 'or') {
    for (const kind of ['ops', 'services'] as const) {
      if (parts.every((p) => p.k === kind)) return idsNeed(kind, [...new Set(parts.flatMap((p) => (p as { ids: number[] }).ids))]);
    }
  }
  return { k, parts };
}

/** The part of a need SQL can check on `trace_rows AS t`, or undefined (then SQL does not narrow by it). */
export function sqlOf(n: Need): { sql: string; params: unknown[] } | undefined {
  switch (n.k) {
    case 'sql':
      return n;
    case 'services':
      return {
        sql: 'EXISTS (SELECT 1 FROM trace_service_rows AS ts WHERE ts.trace_ref = t.id AND ts.service_id IN (SELECT value FROM json_each(?)))',
        params: [JSON.stringify(n.ids)],
      };
    case 'and': {
      const parts = n.parts.map(sqlOf).filter((p) => p !== undefined);
      return parts.length === 0 ? undefined : { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
    }
    case 'or': {
      const parts = n.parts.map(sqlOf);
      if (parts.some((p) => p === undefined)) return undefined;
      const ok = parts as Array<{ sql: string; params: unknown[] }>;
      return { sql: ok.map((p) => `(${p.sql})`).join(' OR '), params: ok.flatMap((p) => p.params) };
    }
    default:
      return undefined;
  }
}

/** Which index drives the scan: an indexed attribute value's postings, else an operation's, else one service's rows, else start order. */
export type Driver = { k: 'attr'; keys: number[]; value: string } | { k: 'ops'; ids: number[] } | { k: 'service'; id: number } | { k: 'start' };

/** Postings streams merged at once: one prepared statement each. */
const MAX_STREAMS = 32;

export function driverOf(n: Need): Driver {
  const parts = n.k === 'and' ? n.parts : [n];
  const attr = parts.find((p) => p.k === 'attr');
  if (attr?.k === 'attr' && attr.keys.length <= MAX_STREAMS) return attr;
  const ops = parts.find((p) => p.k === 'ops' && p.ids.length <= MAX_STREAMS);
  if (ops?.k === 'ops') return ops;
  const service = parts.find((p) => p.k === 'services' && p.ids.length === 1);
  if (service?.k === 'services') return { k: 'service', id: service.ids[0] };
  return { k: 'start' };
}

/** Does the row's own facts allow the need? (Its operations, services and indexed values; SQL parts were checked by SQL.) */
export function rowAllows(n: Need, row: { ops: ReadonlyMap<number, unknown>; services: ReadonlySet<number>; attrs: () => ReadonlySet<string> }): boolean {
  switch (n.k) {
    case 'none':
      return false;
    case 'ops':
      return n.ids.some((id) => row.ops.has(id));
    case 'services':
      return n.ids.some((id) => row.services.has(id));
    case 'attr': {
      const attrs = row.attrs();
      return n.keys.some((k) => attrs.has(`${k}\u0000${n.value}`));
    }
    case 'and':
      return n.parts.every((p) => rowAllows(p, row));
    case 'or':
      return n.parts.some((p) => rowAllows(p, row));
    default:
      return true;
  }
}
