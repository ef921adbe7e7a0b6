import type { Comparison, Field, Intrinsic, Literal, Operator, SpansetExpr } from '../../model/traceql.js';
import { syntaxError, tokenize, unsupported, type Token } from './lexer.js';
import { backtrackRisk } from '../../model/regex.js';

/**
 * TraceQL text → the spanset AST of model/traceql.ts, or an InvalidInputError (400) that names what it cannot
 * take and where: "unsupported TraceQL: pipelines (`| count() > 2`) at 23" for real TraceQL beyond the subset,
 * "invalid TraceQL: …" for text that is not TraceQL at all. Pure. Everything Grafana's search builder writes
 * (SearchTraceQLEditor/utils.ts: filters joined by ` && `, multi-select as `=~"a|b"`, intrinsics unscoped,
 * unscoped attributes with a leading `.`, `{}` for no filter) parses.
 */

const OPERATORS = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);
const STRUCTURAL = new Set(['>>', '<<', '>', '<', '~', '!>>', '!<<', '!>', '!<', '!~', '&>>', '&<<', '&>', '&<', '&~']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const AGGREGATES = new Set(['count', 'avg', 'min', 'max', 'sum', 'quantile_over_time', 'rate', 'count_over_time', 'histogram_over_time', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'compare', 'topk', 'bottomk']);
const STATUS: Record<string, 0 | 1 | 2> = { unset: 0, ok: 1, error: 2 };
const KIND: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

/** Scoped spellings of the intrinsics we answer (Tempo 2.5+: `span:name`, `trace:rootService`…). */
const INTRINSIC_NAMES: Record<string, Intrinsic> = {
  name: 'name', status: 'status', kind: 'kind', duration: 'duration', statusMessage: 'statusMessage',
  rootName: 'rootName', rootServiceName: 'rootServiceName', traceDuration: 'traceDuration',
  'span:name': 'name', 'span:status': 'status', 'span:kind': 'kind', 'span:duration': 'duration', 'span:statusMessage': 'statusMessage',
  'trace:rootName': 'rootName', 'trace:rootService': 'rootServiceName', 'trace:duration': 'traceDuration',
}; // prettier-ignore

/** Intrinsics TraceQL has that we do not answer. */
const OTHER_INTRINSICS = new Set(['childCount', 'parent', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'span:id', 'span:parentID', 'span:childCount', 'trace:id', 'event:name', 'event:timeSinceStart', 'link:traceID', 'link:spanID', 'instrumentation:name', 'instrumentation:version']);
const OTHER_SCOPES = new Set(['event', 'link', 'instrumentation', 'parent', 'trace']);

export function parseTraceql(text: string): SpansetExpr {
  return new Parser(text, tokenize(text)).query();
}

class Parser {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  query(): SpansetExpr {
    const first = this.peek();
    if (first.t === 'eof') throw syntaxError('an empty query: write `{}` to match every trace', 0);
    if (first.t === 'ident' && AGGREGATES.has(first.v)) throw unsupported(`metrics and aggregate functions (\`${first.v}()\`)`, first.pos);
    if (this.isPunct(first, '(')) throw unsupported('spanset expressions in parentheses (`({ … })`): write one spanset `{ … }`', first.pos);
    if (!this.isPunct(first, '{')) throw syntaxError(`expected \`{\`, found ${this.describe(first)}`, first.pos);
    const expr = this.spanset();
    const next = this.peek();
    if (next.t === 'eof') return expr;
    if (next.t === 'punct' && next.v === '|') throw unsupported(`pipelines (\`${this.rest(next)}\`)`, next.pos);
    if (next.t === 'punct' && (next.v === '&&' || next.v === '||')) throw unsupported(`multiple spansets (\`${next.v}\` between spansets)`, next.pos);
    if (next.t === 'punct' && STRUCTURAL.has(next.v)) throw unsupported(`structural operators (\`${next.v}\`)`, next.pos);
    if (next.t === 'ident' && next.v === 'with') throw unsupported('query hints (`with(…)`)', next.pos);
    throw syntaxError(`unexpected ${this.describe(next)} after the spanset`, next.pos);
  }

  private spanset(): SpansetExpr {
    this.expect('{');
    if (this.isPunct(this.peek(), '}')) {
      this.i++;
      return { type: 'true' };
    }
    const expr = this.or();
    const end = this.peek();
    if (!this.isPunct(end, '}')) {
      if (end.t === 'punct' && end.v === '|') throw unsupported(`pipelines (\`${this.rest(end)}\`)`, end.pos);
      throw syntaxError(`expected \`&&\`, \`||\` or \`}\`, found ${this.describe(end)}`, end.pos);
    }
    this.i++;
    return expr;
  }

  private or(): SpansetExpr {
    let left = this.and();
    while (this.isPunct(this.peek(), '||')) {
      this.i++;
      left = { type: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): SpansetExpr {
    let left = this.primary();
    while (this.isPunct(this.peek(), '&&')) {
      this.i++;
      left = { type: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): SpansetExpr {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.i++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (this.isPunct(t, '!')) throw unsupported('negation (`!`): use `!=` or `!~`', t.pos);
    if (this.isPunct(t, '{')) throw unsupported('nested spansets', t.pos);
    if (t.t === 'ident' && t.v === 'true') {
      this.i++;
      return { type: 'true' };
    }
    if (t.t === 'ident' && t.v === 'false') throw unsupported('static `false`', t.pos);
    const field = this.field();
    const opTok = this.peek();
    if (opTok.t === 'punct' && ARITHMETIC.has(opTok.v)) throw unsupported(`arithmetic (\`${opTok.v}\`)`, opTok.pos);
    if (opTok.t !== 'punct' || !OPERATORS.has(opTok.v)) {
      if (opTok.t === 'punct' && ['&&', '||', '}', ')'].includes(opTok.v)) throw unsupported('a field without a comparison (attribute existence)', t.pos);
      throw syntaxError(`expected a comparison operator, found ${this.describe(opTok)}`, opTok.pos);
    }
    this.i++;
    const op = opTok.v as Operator;
    const value = this.literal(field);
    const after = this.peek();
    if (after.t === 'punct' && ARITHMETIC.has(after.v)) throw unsupported(`arithmetic (\`${after.v}\`)`, after.pos);
    return check({ type: 'comparison', field, op, value }, opTok.pos, this.tokens[this.i - 1].pos);
  }

  private field(): Field {
    const t = this.peek();
    if (t.t === 'attr') {
      this.i++;
      if (t.scope === '' || t.scope === 'span' || t.scope === 'resource') return { type: 'attribute', scope: t.scope === '' ? 'any' : t.scope, key: t.key };
      if (OTHER_SCOPES.has(t.scope)) throw unsupported(`the \`${t.scope}.\` scope`, t.pos);
      throw syntaxError(`unknown attribute scope \`${t.scope}.\``, t.pos);
    }
    if (t.t === 'ident') {
      this.i++;
      const name = INTRINSIC_NAMES[t.v];
      if (name) return { type: 'intrinsic', name };
      if (t.v === 'select') throw unsupported('`select(…)`', t.pos);
      if (AGGREGATES.has(t.v)) throw unsupported(`aggregate functions (\`${t.v}()\`)`, t.pos);
      if (OTHER_INTRINSICS.has(t.v) || t.v.includes(':')) throw unsupported(`the intrinsic \`${t.v}\``, t.pos);
      throw syntaxError(`unknown intrinsic \`${t.v}\` (attributes are written \`.${t.v}\`, \`span.${t.v}\` or \`resource.${t.v}\`)`, t.pos);
    }
    throw syntaxError(`expected a field, found ${this.describe(t)}`, t.pos);
  }

  private literal(field: Field): Literal {
    const t = this.peek();
    this.i++;
    if (t.t === 'string') return { type: 'string', value: t.v };
    if (t.t === 'number') return { type: 'number', value: t.v };
    if (t.t === 'duration') return { type: 'duration', value: t.v };
    if (t.t === 'ident') {
      if (t.v === 'true' || t.v === 'false') return { type: 'boolean', value: t.v === 'true' };
      if (t.v === 'nil') throw unsupported('`nil`', t.pos);
      const isStatus = field.type === 'intrinsic' && field.name === 'status';
      const isKind = field.type === 'intrinsic' && field.name === 'kind';
      if (isStatus && t.v in STATUS) return { type: 'status', value: STATUS[t.v] };
      if (isKind && t.v in KIND) return { type: 'kind', value: KIND[t.v] };
      if (isStatus) throw syntaxError(`status is error, ok or unset, not \`${t.v}\``, t.pos);
      if (isKind) throw syntaxError(`kind is one of ${Object.keys(KIND).join(', ')}, not \`${t.v}\``, t.pos);
      if (INTRINSIC_NAMES[t.v]) throw unsupported('comparing two fields', t.pos);
      throw syntaxError(`unexpected \`${t.v}\`: quote strings (\`"${t.v}"\`)`, t.pos);
    }
    if (t.t === 'attr') throw unsupported('comparing two fields', t.pos);
    if (t.t === 'punct' && t.v === '[') throw unsupported('arrays (`[…]`)', t.pos);
    throw syntaxError(`expected a value, found ${this.describe(t)}`, t.pos);
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isPunct(t: Token, v: string): boolean {
    return t.t === 'punct' && t.v === v;
  }

  private expect(v: string): void {
    const t = this.peek();
    if (!this.isPunct(t, v)) throw syntaxError(`expected \`${v}\`, found ${this.describe(t)}`, t.pos);
    this.i++;
  }

  private rest(t: Token): string {
    return this.text.slice(t.pos).trim();
  }

  private describe(t: Token): string {
    if (t.t === 'eof') return 'the end of the query';
    return `\`${this.text.slice(t.pos, this.tokens[this.tokens.indexOf(t) + 1]?.pos ?? this.text.length).trim()}\``;
  }
}


/** The literal's type against the field's, and the regex compiled (fully anchored, as Tempo's are since 2.3). */
function check(c: Comparison, opPos: number, valuePos: number): Comparison {
  const { field, op, value } = c;
  if (op === '=~' || op === '!~') {
    if (value.type !== 'string') throw syntaxError(`\`${op}\` takes a quoted regular expression`, valuePos);
    if (field.type === 'intrinsic' && !['name', 'statusMessage', 'rootName', 'rootServiceName'].includes(field.name)) {
      throw syntaxError(`\`${field.name}\` cannot be matched with a regular expression`, opPos);
    }
    const risk = backtrackRisk(value.value);
    if (risk) throw unsupported(`regular expressions with ${risk} (they can take exponential time)`, valuePos);
    try {
      return { ...c, regex: new RegExp(`^(?:${value.value})$`, 's') };
    } catch (e) {
      throw syntaxError(`invalid regular expression ${JSON.stringify(value.value)} (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`, valuePos);
    }
  }
  if (field.type === 'attribute') {
    if (value.type === 'duration') throw unsupported('comparing an attribute with a duration', valuePos);
    if (value.type === 'boolean' && op !== '=' && op !== '!=') throw syntaxError(`booleans compare with = and != only`, opPos);
    return c;
  }
  const want = expected(field.name);
  if (value.type !== want) throw syntaxError(`\`${field.name}\` compares with ${WANT_TEXT[want]}`, valuePos);
  if ((want === 'status' || want === 'kind') && op !== '=' && op !== '!=') throw syntaxError(`\`${field.name}\` compares with = and != only`, opPos);
  return c;
}

function expected(name: Intrinsic): 'string' | 'duration' | 'status' | 'kind' {
  if (name === 'status') return 'status';
  if (name === 'kind') return 'kind';
  if (name === 'duration' || name === 'traceDuration') return 'duration';
  return 'string';
}

const WANT_TEXT = { string: 'a quoted string', duration: 'a duration (`100ms`, `1.5s`)', status: '`error`, `ok` or `unset`', kind: 'a span kind (`server`, `client`…)' };
