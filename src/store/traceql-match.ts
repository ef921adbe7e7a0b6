import type { AttrValue, Span } from '../model/span.js';
import type { AttributeField, Comparison, Literal, SpansetExpr } from '../model/traceql.js';

/**
 * The exact check of a spanset on one span (pure): what the SQL of store/traceql.ts could only narrow. Trace-level
 * intrinsics (rootName, rootServiceName, traceDuration) come from the trace's row, the rest from the span.
 *
 * Values compare as TraceQL does, with one leniency: `=` and `!=` compare an attribute with a string or number
 * literal by its text form, as the attribute index and the native search do (so `.http.status_code = 500` and
 * `= "500"` both find an int 500 or a string "500"; Tempo's typed comparison would find only the int). Ordering
 * operators compare numbers with numbers and strings with strings; an absent attribute matches nothing, `!=`
 * included (TraceQL: a comparison with a missing attribute is false).
 */

export interface TraceFacts {
  rootName: string;
  rootServiceName: string;
  durationNs: bigint;
}

export function spanMatches(expr: SpansetExpr, span: Span, trace: TraceFacts): boolean {
  switch (expr.type) {
    case 'true':
      return true;
    case 'and':
      return spanMatches(expr.left, span, trace) && spanMatches(expr.right, span, trace);
    case 'or':
      return spanMatches(expr.left, span, trace) || spanMatches(expr.right, span, trace);
    default:
      return comparisonMatches(expr, span, trace);
  }
}

function comparisonMatches(c: Comparison, span: Span, trace: TraceFacts): boolean {
  const f = c.field;
  if (f.type === 'attribute') {
    if (f.scope !== 'any') {
      const v = attributeOf(span, f);
      return v !== undefined && compareAttribute(v, c);
    }
    // Unscoped: any scope that has the attribute may match (Tempo's `.k`).
    const own = attributeOf(span, { ...f, scope: 'span' });
    if (own !== undefined && compareAttribute(own, c)) return true;
    const res = attributeOf(span, { ...f, scope: 'resource' });
    return res !== undefined && compareAttribute(res, c);
  }
  switch (f.name) {
    case 'name':
      return stringMatches(span.name, c);
    case 'statusMessage':
      return stringMatches(span.statusMessage, c);
    case 'rootName':
      return stringMatches(trace.rootName, c);
    case 'rootServiceName':
      return stringMatches(trace.rootServiceName, c);
    case 'status':
      return compareOrdered(span.statusCode, (c.value as Extract<Literal, { type: 'status' }>).value, c.op);
    case 'kind':
      return compareOrdered(span.kind, (c.value as Extract<Literal, { type: 'kind' }>).value, c.op);
    case 'duration':
      return compareOrdered(span.endTimeUnixNano - span.startTimeUnixNano, (c.value as Extract<Literal, { type: 'duration' }>).value, c.op);
    case 'traceDuration':
      return compareOrdered(trace.durationNs, (c.value as Extract<Literal, { type: 'duration' }>).value, c.op);
  }
}

/** `span.k` the span's own; `resource.k` its resource's (service.name included); `.k` the span's, else its resource's. */
export function attributeOf(span: Span, f: AttributeField): AttrValue | undefined {
  if (f.scope !== 'resource' && Object.hasOwn(span.attributes, f.key)) return span.attributes[f.key];
  if (f.scope !== 'span') {
    if (Object.hasOwn(span.resource.attributes, f.key)) return span.resource.attributes[f.key];
    if (f.key === 'service.name') return span.service;
  }
  return undefined;
}

function compareAttribute(v: AttrValue, c: Comparison): boolean {
  const lit = c.value;
  if (c.regex) return typeof v === 'string' && c.regex.test(v) === (c.op === '=~');
  if (c.op === '=' || c.op === '!=') {
    const text = textOf(v);
    const want = lit.type === 'string' ? lit.value : lit.type === 'number' ? String(lit.value) : lit.type === 'boolean' ? String(lit.value) : undefined;
    if (text === undefined || want === undefined) return false;
    const equal = text === want || (typeof v === 'number' && lit.type === 'number' && v === lit.value);
    return c.op === '=' ? equal : !equal;
  }
  if (lit.type === 'number' && typeof v === 'number') return compareOrdered(v, lit.value, c.op);
  if (lit.type === 'string' && typeof v === 'string') return compareOrdered(v, lit.value, c.op);
  return false;
}

/** A string field (name, statusMessage, root names) against a comparison with a string literal or regex. */
export function stringMatches(v: string, c: Comparison): boolean {
  if (c.regex) return c.regex.test(v) === (c.op === '=~');
  return compareOrdered(v, (c.value as Extract<Literal, { type: 'string' }>).value, c.op);
}

function compareOrdered<T extends string | number | bigint>(a: T, b: T, op: Comparison['op']): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}

/** An attribute's text form, as the index keeps it: strings as they are, numbers as written, booleans. */
function textOf(v: AttrValue): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Span-level intrinsics Tempo lists among a matched span's attributes when the query names them. */
export type ListedIntrinsic = 'status' | 'kind' | 'statusMessage';

/** Every attribute (and listed intrinsic) the expression names, for the matched spans' `attributes`, as Tempo returns them. */
export function queriedAttributes(expr: SpansetExpr, out: Array<AttributeField | { type: 'intrinsic'; name: ListedIntrinsic }> = []) {
  if (expr.type === 'and' || expr.type === 'or') {
    queriedAttributes(expr.left, out);
    queriedAttributes(expr.right, out);
  } else if (expr.type === 'comparison') {
    const f = expr.field;
    if (f.type === 'attribute' && !out.some((x) => x.type === 'attribute' && x.key === f.key && x.scope === f.scope)) out.push(f);
    if (f.type === 'intrinsic' && (f.name === 'status' || f.name === 'kind' || f.name === 'statusMessage') && !out.some((x) => x.type === 'intrinsic' && x.name === f.name)) {
      out.push({ type: 'intrinsic', name: f.name });
    }
  }
  return out;
}
