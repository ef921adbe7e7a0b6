import { describe, expect, it } from 'vitest';
import type { Comparison, SpansetExpr } from '../../src/model/traceql.js';
import { parseTraceql } from '../../src/query/traceql/index.js';

/** The TraceQL subset: every form it takes, and a 400 naming the part and its position for the rest. */

const cmp = (field: Comparison['field'], op: Comparison['op'], value: Comparison['value']): Comparison => ({ type: 'comparison', field, op, value });
const intrinsic = (name: any) => ({ type: 'intrinsic', name }) as const;
const attr = (scope: 'resource' | 'span' | 'any', key: string) => ({ type: 'attribute', scope, key }) as const;
const str = (value: string) => ({ type: 'string', value }) as const;
/** The AST without compiled regexes (checked on their own below). */
const parse = (q: string): SpansetExpr => JSON.parse(JSON.stringify(parseTraceql(q), (k, v) => (k === 'regex' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));

describe('TraceQL: supported forms', () => {
  it('{} and { true } match everything', () => {
    expect(parse('{}')).toEqual({ type: 'true' });
    expect(parse('  { }  ')).toEqual({ type: 'true' });
    expect(parse('{ true }')).toEqual({ type: 'true' });
  });

  it('scopes: resource., span. and unscoped .', () => {
    expect(parse('{resource.service.name="a"}')).toEqual(cmp(attr('resource', 'service.name'), '=', str('a')));
    expect(parse('{span.http.route = "/x"}')).toEqual(cmp(attr('span', 'http.route'), '=', str('/x')));
    expect(parse('{.http.method="GET"}')).toEqual(cmp(attr('any', 'http.method'), '=', str('GET')));
    expect(parse('{."my key" = "v"}')).toEqual(cmp(attr('any', 'my key'), '=', str('v')));
    expect(parse('{span.k8s-pod.name="p"}')).toEqual(cmp(attr('span', 'k8s-pod.name'), '=', str('p')));
    expect(parse('{resource."a/b c"="p"}')).toEqual(cmp(attr('resource', 'a/b c'), '=', str('p')));
  });

  it('every intrinsic, with its literal type', () => {
    expect(parse('{name="GET /x"}')).toEqual(cmp(intrinsic('name'), '=', str('GET /x')));
    expect(parse('{statusMessage="boom"}')).toEqual(cmp(intrinsic('statusMessage'), '=', str('boom')));
    expect(parse('{rootName="GET /"}')).toEqual(cmp(intrinsic('rootName'), '=', str('GET /')));
    expect(parse('{rootServiceName="web"}')).toEqual(cmp(intrinsic('rootServiceName'), '=', str('web')));
    expect(parse('{status=error}')).toEqual(cmp(intrinsic('status'), '=', { type: 'status', value: 2 }));
    expect(parse('{status!=ok}')).toEqual(cmp(intrinsic('status'), '!=', { type: 'status', value: 1 }));
    expect(parse('{status=unset}')).toEqual(cmp(intrinsic('status'), '=', { type: 'status', value: 0 }));
    for (const [k, v] of Object.entries({ unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 })) {
      expect(parse(`{kind=${k}}`)).toEqual(cmp(intrinsic('kind'), '=', { type: 'kind', value: v }));
    }
    expect(parse('{duration>100ms}')).toEqual(cmp(intrinsic('duration'), '>', { type: 'duration', value: '100000000n' } as any));
    expect(parse('{traceDuration<=1.5s}')).toEqual(cmp(intrinsic('traceDuration'), '<=', { type: 'duration', value: '1500000000n' } as any));
  });

  it('the scoped spellings of the intrinsics (span:name, trace:rootService…)', () => {
    expect(parse('{span:name="x"}')).toEqual(cmp(intrinsic('name'), '=', str('x')));
    expect(parse('{span:duration>1ms}')).toEqual(cmp(intrinsic('duration'), '>', { type: 'duration', value: '1000000n' } as any));
    expect(parse('{trace:rootService="w"}')).toEqual(cmp(intrinsic('rootServiceName'), '=', str('w')));
    expect(parse('{trace:duration>1s}')).toEqual(cmp(intrinsic('traceDuration'), '>', { type: 'duration', value: '1000000000n' } as any));
  });

  it('every operator', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      expect(parse(`{span.http.response.status_code ${op} 500}`)).toEqual(cmp(attr('span', 'http.response.status_code'), op, { type: 'number', value: 500 }));
    }
    expect(parse('{name=~"GET.*"}')).toEqual(cmp(intrinsic('name'), '=~', str('GET.*')));
    expect(parse('{name!~"GET.*"}')).toEqual(cmp(intrinsic('name'), '!~', str('GET.*')));
  });

  it('literals: strings with escapes and backquotes, numbers (negative, fractions), durations of every unit, booleans', () => {
    expect(parse('{.a="say \\"hi\\" \\\\ now"}')).toEqual(cmp(attr('any', 'a'), '=', str('say "hi" \\ now')));
    expect(parse('{.a=`raw \\d`}')).toEqual(cmp(attr('any', 'a'), '=', str('raw \\d')));
    expect(parse('{.n=-3}')).toEqual(cmp(attr('any', 'n'), '=', { type: 'number', value: -3 }));
    expect(parse('{.n>=2.5}')).toEqual(cmp(attr('any', 'n'), '>=', { type: 'number', value: 2.5 }));
    expect(parse('{.ok=true}')).toEqual(cmp(attr('any', 'ok'), '=', { type: 'boolean', value: true }));
    expect(parse('{.ok!=false}')).toEqual(cmp(attr('any', 'ok'), '!=', { type: 'boolean', value: false }));
    const ns = (q: string) => (parse(`{duration>${q}}`) as any).value.value;
    expect([ns('5ns'), ns('7us'), ns('7µs'), ns('3ms'), ns('2s'), ns('1m'), ns('1h'), ns('1h30m'), ns('0.5ms')]).toEqual(
      ['5n', '7000n', '7000n', '3000000n', '2000000000n', '60000000000n', '3600000000000n', '5400000000000n', '500000n'],
    );
  });

  it('&& binds tighter than ||; parentheses group', () => {
    const a = cmp(intrinsic('name'), '=', str('a'));
    const b = cmp(intrinsic('name'), '=', str('b'));
    const e = cmp(intrinsic('status'), '=', { type: 'status', value: 2 });
    expect(parse('{name="a" || name="b" && status=error}')).toEqual({ type: 'or', left: a, right: { type: 'and', left: b, right: e } });
    expect(parse('{(name="a" || name="b") && status=error}')).toEqual({ type: 'and', left: { type: 'or', left: a, right: b }, right: e });
    expect(parse('{((name="a"))}')).toEqual(a);
  });

  it("what Grafana's search builder writes (SearchTraceQLEditor/utils.ts)", () => {
    const q = '{resource.service.name="checkout" && name="GET /x" && span.http.response.status_code=500 && duration>100ms && status=error}';
    expect(() => parseTraceql(q)).not.toThrow();
    expect(parse('{resource.service.name=~"a|b"}')).toEqual(cmp(attr('resource', 'service.name'), '=~', str('a|b')));
    expect(parse('{.http.method="GET" && kind=server && .deployment.environment.name!="dev" && traceDuration>=1s}')).toBeTruthy();
    expect(parse('{span.db.system=~"postgres|mysql" && span.error=true}')).toBeTruthy();
  });

  it('regexes are compiled fully anchored, as Tempo matches them', () => {
    const c = parseTraceql('{name=~"GET|POST"}') as Comparison;
    expect(c.regex?.test('GET')).toBe(true);
    expect(c.regex?.test('GET /x')).toBe(false);
    expect(c.regex?.test('xPOST')).toBe(false);
  });
});

describe('TraceQL: what is refused, and where', () => {
  const refused = (q: string) => {
    try {
      parseTraceql(q);
    } catch (e) {
      expect((e as Error).name).toBe('InvalidInputError');
      return (e as Error).message;
    }
    throw new Error(`${q} parsed`);
  };

  it('pipelines and aggregates', () => {
    // Patterns that can backtrack exponentially on the event loop are refused, with the reason; plain ones parse.
    expect(refused('{ name =~ "(a+)+$" }')).toBe('unsupported TraceQL: regular expressions with a repeated group that repeats inside (they can take exponential time) at 10');
    expect(refused('{ .http.url =~ "(x|xy)*z" }')).toMatch(/^unsupported TraceQL: regular expressions with a repeated alternation/);
    expect(refused(String.raw`{ .k =~ "(a)\\1" }`)).toMatch(/^unsupported TraceQL: regular expressions with backreferences/);
    expect(refused('{ status = error } | count() > 2')).toBe('unsupported TraceQL: pipelines (`| count() > 2`) at 19');
    expect(refused('{ } | avg(duration) > 1s')).toBe('unsupported TraceQL: pipelines (`| avg(duration) > 1s`) at 4');
    expect(refused('{ } | select(.http.url)')).toBe('unsupported TraceQL: pipelines (`| select(.http.url)`) at 4');
    expect(refused('{ .a = 1 | by(.b) }')).toBe('unsupported TraceQL: pipelines (`| by(.b) }`) at 9');
    expect(refused('count() > 1')).toBe('unsupported TraceQL: metrics and aggregate functions (`count()`) at 0');
    expect(refused('{ } | rate()')).toMatch(/^unsupported TraceQL: pipelines/);
  });

  it('structural operators and several spansets', () => {
    expect(refused('{ .a = 1 } >> { .b = 2 }')).toBe('unsupported TraceQL: structural operators (`>>`) at 11');
    expect(refused('{ .a = 1 } > { .b = 2 }')).toBe('unsupported TraceQL: structural operators (`>`) at 11');
    expect(refused('{ .a = 1 } ~ { .b = 2 }')).toBe('unsupported TraceQL: structural operators (`~`) at 11');
    expect(refused('{ .a = 1 } !<< { .b = 2 }')).toBe('unsupported TraceQL: structural operators (`!<<`) at 11');
    expect(refused('{ .a = 1 } && { .b = 2 }')).toBe('unsupported TraceQL: multiple spansets (`&&` between spansets) at 11');
    expect(refused('{ .a = 1 } || { .b = 2 }')).toBe('unsupported TraceQL: multiple spansets (`||` between spansets) at 11');
    expect(refused('({ .a = 1 } && { .b = 2 })')).toMatch(/^unsupported TraceQL: spanset expressions in parentheses .* at 0$/);
  });

  it('select, arrays, nil, arithmetic, negation, field-to-field, other scopes and intrinsics, hints', () => {
    expect(refused('{ select(.a) }')).toBe('unsupported TraceQL: `select(…)` at 2');
    expect(refused('{ .a = [1, 2] }')).toBe('unsupported TraceQL: arrays (`[…]`) at 7');
    expect(refused('{ .a != nil }')).toBe('unsupported TraceQL: `nil` at 8');
    expect(refused('{ .a + 1 > 2 }')).toBe('unsupported TraceQL: arithmetic (`+`) at 5');
    expect(refused('{ duration > 1s * 2 }')).toBe('unsupported TraceQL: arithmetic (`*`) at 16');
    expect(refused('{ !(.a = 1) }')).toBe('unsupported TraceQL: negation (`!`): use `!=` or `!~` at 2');
    expect(refused('{ .a = .b }')).toBe('unsupported TraceQL: comparing two fields at 7');
    expect(refused('{ event.name = "x" }')).toBe('unsupported TraceQL: the `event.` scope at 2');
    expect(refused('{ link.x = "x" }')).toBe('unsupported TraceQL: the `link.` scope at 2');
    expect(refused('{ instrumentation.name = "x" }')).toBe('unsupported TraceQL: the `instrumentation.` scope at 2');
    expect(refused('{ trace:id = "x" }')).toBe('unsupported TraceQL: the intrinsic `trace:id` at 2');
    expect(refused('{ event:name = "x" }')).toBe('unsupported TraceQL: the intrinsic `event:name` at 2');
    expect(refused('{ childCount > 2 }')).toBe('unsupported TraceQL: the intrinsic `childCount` at 2');
    expect(refused('{ .a }')).toBe('unsupported TraceQL: a field without a comparison (attribute existence) at 2');
    expect(refused('{ .a = 1 } with(most_recent=true)')).toBe('unsupported TraceQL: query hints (`with(…)`) at 11');
    expect(refused('{ .a = 1 && { .b = 2 } }')).toBe('unsupported TraceQL: nested spansets at 12');
    expect(refused('{ .a = 1s }')).toBe('unsupported TraceQL: comparing an attribute with a duration at 7');
  });

  it('text that is not TraceQL: a message and the position', () => {
    expect(refused('')).toBe('invalid TraceQL: an empty query: write `{}` to match every trace at 0');
    expect(refused('service=web')).toBe('invalid TraceQL: expected `{`, found `service` at 0');
    expect(refused('{ name = "a" ')).toBe('invalid TraceQL: expected `&&`, `||` or `}`, found the end of the query at 13');
    expect(refused('{ name = "a }')).toBe('invalid TraceQL: unterminated string at 9');
    expect(refused('{ name = a }')).toBe('invalid TraceQL: unexpected `a`: quote strings (`"a"`) at 9');
    expect(refused('{ nme = "a" }')).toBe('invalid TraceQL: unknown intrinsic `nme` (attributes are written `.nme`, `span.nme` or `resource.nme`) at 2');
    expect(refused('{ status = bad }')).toBe('invalid TraceQL: status is error, ok or unset, not `bad` at 11');
    expect(refused('{ status > error }')).toBe('invalid TraceQL: `status` compares with = and != only at 9');
    expect(refused('{ kind = web }')).toMatch(/^invalid TraceQL: kind is one of unspecified, internal, .* not `web` at 9$/);
    expect(refused('{ duration > "1s" }')).toBe('invalid TraceQL: `duration` compares with a duration (`100ms`, `1.5s`) at 13');
    expect(refused('{ name = 5 }')).toBe('invalid TraceQL: `name` compares with a quoted string at 9');
    expect(refused('{ duration > 5xs }')).toBe('invalid TraceQL: invalid duration "5xs" at 13');
    expect(refused('{ name =~ 5 }')).toBe('invalid TraceQL: `=~` takes a quoted regular expression at 10');
    expect(refused('{ name =~ "(" }')).toMatch(/^invalid TraceQL: invalid regular expression "\(" .* at 10$/);
    expect(refused('{ status =~ "e.*" }')).toBe('invalid TraceQL: `status` cannot be matched with a regular expression at 9');
    expect(refused('{ foo.bar = 1 }')).toBe('invalid TraceQL: unknown attribute scope `foo.` at 2');
    expect(refused('{ .a == 1 }')).toBe('invalid TraceQL: expected a value, found `=` at 6');
    expect(refused('{ .a = 1 } x')).toBe('invalid TraceQL: unexpected `x` after the spanset at 11');
    expect(refused('{ .a = 1 # }')).toBe('invalid TraceQL: unexpected character "#" at 9');
  });
});
