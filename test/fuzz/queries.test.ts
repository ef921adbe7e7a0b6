import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { acceptable, call, params, printTally, SEED } from './fuzz-helpers.js';

/**
 * Every query route of the Jaeger, Tempo and native APIs, on a live server holding a few traces, gets random
 * values in each of its parameters — random text, numbers of every size and sign, durations, JSON, SQL and
 * TraceQL-shaped strings — and must answer a 2xx or a 4xx with a message, never a 5xx or a hang.
 */

let server: TestServer;
const TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const NOW = BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  server = await startServer({ listen: true });
  console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);
  const body = exportRequest({ checkout: [
    { traceId: TRACE, spanId: '1000000000000001', name: 'GET /cart', kind: 2, start: NOW - 5_000_000n, durationNs: 4_000_000n, attributes: { 'http.route': '/cart', 'http.response.status_code': 200 } },
    { traceId: TRACE, spanId: '1000000000000002', parentSpanId: '1000000000000001', name: 'SELECT', kind: 3, start: NOW - 4_000_000n, durationNs: 1_000_000n, error: true, attributes: { 'db.system.name': 'postgresql' } },
  ] }); // prettier-ignore
  const res = await call(`${server.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  printTally();
  await server?.close();
});

// ---- values ----

const TRACEQL_TOKENS = [
  '{', '}', '(', ')', '.', 'span.', 'resource.', 'event.', 'link.', 'instrumentation.', 'span:', 'trace:', 'name', 'status', 'kind',
  'duration', 'rootName', 'rootServiceName', 'traceDuration', 'http.route', 'service.name', '=', '!=', '=~', '!~', '>', '>=', '<', '<=',
  '&&', '||', '!', '>>', '<<', '~', '|', 'count()', 'avg(duration)', 'max(', 'select(', 'by(', 'error', 'ok', 'unset', 'server',
  'true', 'false', 'nil', '"', '"x"', '"/cart"', '`', '1ms', '-5s', '1.5h', '0', '-1', '9999999999999999999999', '1e309', 'NaN',
  ' ', '  ', '\\', '\n', '"\\', '.*', '(?i)', '[', ']',
]; // prettier-ignore
const traceql = fc.array(fc.constantFrom(...TRACEQL_TOKENS), { maxLength: 24 }).map((t) => t.join(''));
const numbers = fc.oneof(
  fc.integer().map(String), fc.bigInt().map(String), fc.double().map(String),
  fc.constantFrom('0', '-0', '1e400', '-1', '18446744073709551616', '9223372036854775808', '0x10', '1_000', '', ' 1', '1 ', 'Infinity', 'NaN'),
); // prettier-ignore
const durations = fc.oneof(
  fc.tuple(fc.oneof(fc.integer(), fc.double()), fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h', 'd', '', 'x')).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('1h2m', '-1ms', '1.5.5s', '99999999999999h', 'ms'),
); // prettier-ignore
const injections = fc.constantFrom(
  "' OR 1=1 --", '"; DROP TABLE spans; --', "x' UNION SELECT * FROM sqlite_master --", '%', '_', '*', "\\'", '\u0000', '${7*7}', '<script>alert(1)</script>',
  '../../etc/passwd', '%00', '\uD800', '🙂', 'a'.repeat(5000),
); // prettier-ignore
const json = fc.oneof(fc.json({ maxDepth: 3 }), fc.constantFrom('{', '{"a":', '{"http.route":"/cart"}', '{"a":{"b":1}}', '[1,2]', 'null', '{"":""}'));
const anyText = fc.string({ unit: 'binary', maxLength: 60 });
const value = fc.oneof(anyText, numbers, durations, injections, json, traceql, fc.constantFrom('checkout', 'GET /cart', TRACE, 'server', 'true'));

/**
 * A plausible value per parameter name, so that most requests get past their first parameters and the hostile value
 * reaches the parser of the next one.
 */
const nowUs = Date.now() * 1000;
const PLAUSIBLE: Record<string, string[]> = {
  service: ['checkout'], operation: ['GET /cart'], spanKind: ['server', 'client'], span_kind: ['server'],
  tags: ['{"http.route":"/cart"}'], tag: ['http.route:/cart'], start: [String(nowUs - 3_600_000_000), String(Math.floor(Date.now() / 1000) - 3600)],
  end: [String(nowUs + 60_000_000), String(Math.floor(Date.now() / 1000) + 60)], lookback: ['1h', '2d'], minDuration: ['1ms'], maxDuration: ['10s'],
  limit: ['20'], traceID: [TRACE], raw: ['true'], prettyPrint: ['true'], endTs: [String(Date.now())],
  'query.service_name': ['checkout'], 'query.serviceName': ['checkout'], 'query.operation_name': ['GET /cart'],
  'query.start_time_min': [new Date(Date.now() - 3_600_000).toISOString()], 'query.startTimeMin': [new Date(Date.now() - 3_600_000).toISOString()],
  'query.start_time_max': [new Date(Date.now() + 60_000).toISOString()], 'query.startTimeMax': [new Date(Date.now() + 60_000).toISOString()],
  'query.duration_min': ['1ms'], 'query.durationMin': ['1ms'], 'query.duration_max': ['1s'], 'query.num_traces': ['10'], 'query.search_depth': ['10'],
  'query.attributes': ['{"http.route":"/cart"}'], 'query.raw_traces': ['false'], start_time: [new Date(Date.now() - 3_600_000).toISOString()],
  end_time: [new Date().toISOString()], raw_traces: ['false'], q: ['{ span.http.route = "/cart" }', '{ resource.service.name = "checkout" && duration > 1ms }'],
  spss: ['3'], scope: ['span', 'resource', 'intrinsic'], error: ['true'], attr: ['http.route=/cart'], alsoService: ['checkout'],
}; // prettier-ignore
const valueFor = (name: string) => fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...(PLAUSIBLE[name] ?? ['x'])) }, { weight: 3, arbitrary: value });

/** A route and its parameters; `:x` in the path is a path parameter. */
const ROUTES: Array<[path: string, params: string[]]> = [
  ['/jaeger/api/services', []],
  ['/jaeger/api/services/:s/operations', []],
  ['/jaeger/api/operations', ['service', 'spanKind']],
  ['/jaeger/api/traces', ['service', 'operation', 'tags', 'tag', 'start', 'end', 'lookback', 'minDuration', 'maxDuration', 'limit', 'traceID', 'raw', 'prettyPrint']],
  ['/jaeger/api/traces/:id', ['start', 'end', 'raw', 'prettyPrint']],
  ['/jaeger/api/dependencies', ['endTs', 'lookback', 'service']],
  ['/api/v3/services', []],
  ['/api/v3/operations', ['service', 'span_kind', 'spanKind']],
  ['/api/v3/traces', ['query.service_name', 'query.operation_name', 'query.start_time_min', 'query.start_time_max', 'query.duration_min', 'query.duration_max', 'query.num_traces', 'query.search_depth', 'query.attributes', 'query.raw_traces', 'query.filter']],
  ['/api/v3/traces/:id', ['start_time', 'end_time', 'raw_traces']],
  ['/jaeger/api/v3/trace-summaries', ['query.serviceName', 'query.startTimeMin', 'query.startTimeMax', 'query.durationMin', 'query.attributes']],
  ['/tempo/api/search', ['q', 'tags', 'minDuration', 'maxDuration', 'limit', 'start', 'end', 'spss']],
  ['/tempo/api/search/tags', ['scope', 'q', 'start', 'end', 'limit']],
  ['/tempo/api/v2/search/tags', ['scope', 'q', 'start', 'end', 'limit']],
  ['/tempo/api/search/tag/:tag/values', ['q', 'start', 'end', 'limit']],
  ['/tempo/api/v2/search/tag/:tag/values', ['q', 'start', 'end', 'limit']],
  ['/tempo/api/traces/:id', ['start', 'end']],
  ['/tempo/api/v2/traces/:id', ['start', 'end']],
  ['/api/services', []],
  ['/api/traces', ['service', 'operation', 'minDuration', 'maxDuration', 'start', 'end', 'error', 'attr', 'alsoService', 'limit', 'cursor']],
  ['/api/traces/:id', []],
  ['/api/traces/:id/analysis', []],
  ['/api/stats', ['start', 'end']],
]; // prettier-ignore

/** A request: a route, a value per path parameter, and some of its query parameters (some twice) with values. */
const request = fc.integer({ min: 0, max: ROUTES.length - 1 }).chain((i) => {
  const [path, names] = ROUTES[i];
  const slots = path.split('/').filter((p) => p.startsWith(':')).length;
  const query: fc.Arbitrary<Array<[string, string]>> =
    names.length === 0 ? fc.constant([]) : fc.array(fc.constantFrom(...names).chain((n) => fc.tuple(fc.constant(n), valueFor(n))), { maxLength: 8 });
  // Sometimes a raw, broken %-escape too (%zz, a cut UTF-8 sequence): what no URL encoder would write.
  const raw = fc.option(fc.constantFrom('%', '%zz', '%E0%A4', '%ff%fe', '%00', '%2', '+%2B+'), { nil: undefined });
  return fc.tuple(fc.constant(path), fc.array(value, { minLength: slots, maxLength: slots }), query, raw);
});

/** %-encodes the UTF-8 of `s` (lone surrogates become U+FFFD, as a browser sends them). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).padStart(2, '0'))).join('');

function urlOf(path: string, pathValues: string[], query: Array<[string, string]>, raw?: string): string {
  let k = 0;
  const p = path.replace(/:[a-z]+/g, () => (raw !== undefined && k === 0 ? raw : '') + (pct(pathValues[k++]) || 'x'));
  let qs = query.map(([n, v]) => `${pct(n)}=${pct(v)}`).join('&');
  if (raw !== undefined) qs += `${qs ? '&' : ''}${query[0]?.[0] ?? 'x'}=${raw}`;
  return `${server.uiUrl}${p}${qs ? '?' + qs : ''}`;
}

describe('fuzzing the query parameters of a live server', () => {
  it('Jaeger, Tempo (TraceQL) and native API routes answer any parameters with a 2xx or a 4xx with a message', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ([path, pathValues, query, raw]) => {
        const url = urlOf(path, pathValues, query, raw);
        acceptable(await call(url), `GET ${path} ${url}`);
      }),
      params(500),
    );
  });

  it("one hostile parameter at a time, the others plausible: each parameter's own parser is reached", async () => {
    const oneBad = fc.integer({ min: 0, max: ROUTES.length - 1 }).filter((i) => ROUTES[i][1].length > 0).chain((i) => {
      const [path, names] = ROUTES[i];
      const slots = path.split('/').filter((p) => p.startsWith(':')).length;
      return fc.tuple(fc.constant(path), fc.constant(names), fc.constantFrom(...names), value, fc.array(fc.constantFrom(TRACE, 'http.route', 'checkout'), { minLength: slots, maxLength: slots }));
    });
    await fc.assert(
      fc.asyncProperty(oneBad, async ([path, names, bad, hostile, pathValues]) => {
        const query = names.map((n): [string, string] => [n, n === bad ? hostile : (PLAUSIBLE[n] ?? ['x'])[0]]);
        const url = urlOf(path, pathValues, query);
        acceptable(await call(url), `GET ${path} ${url}`);
      }),
      params(500),
    );
  });

  it('TraceQL alone: random token strings in q, with and without a time range', async () => {
    const start = String(Math.floor(Date.now() / 1000) - 3600);
    const end = String(Math.floor(Date.now() / 1000) + 60);
    await fc.assert(
      fc.asyncProperty(fc.oneof(traceql, anyText), fc.boolean(), async (q, ranged) => {
        const qs = `q=${pct(q)}` + (ranged ? `&start=${start}&end=${end}` : '');
        acceptable(await call(`${server.uiUrl}/tempo/api/search?${qs}`), `GET /tempo/api/search q=${JSON.stringify(q)}`);
      }),
      params(400),
    );
  });

  it('the stored trace is still found, unchanged, afterwards (no injection did anything)', async () => {
    const a = await call(`${server.uiUrl}/api/traces/${TRACE}`);
    expect(a.status).toBe(200);
    expect(server.reader.getTrace(TRACE)).toHaveLength(2);
    const search = await call(`${server.uiUrl}/tempo/api/search?q=${encodeURIComponent('{ span.http.route = "/cart" }')}`);
    expect(search.status).toBe(200);
    expect(search.body).toContain(TRACE);
  });
});
