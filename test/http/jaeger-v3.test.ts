import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';
import { BODY_A, loadJaegerFixtures, NOW_MS, S, searchTid, TRACE_64, TRACE_A } from '../fixtures/jaeger-traces.js';

/**
 * Jaeger v2's /api/v3 (jaeger cmd/jaeger/internal/extension/jaegerquery/internal/apiv3: http_gateway.go,
 * query_parser.go and the snapshots/*.json shapes), at /api/v3 and /jaeger/api/v3: OTLP/JSON results in
 * `{"result": TracesData}` (hex IDs, integer enums, 64-bit integers as strings), `{"services"}`,
 * `{"operations"}`, `{"summaries"}`, errors `{"error": {"httpCode", "message"}}`, and a 404 for an empty search.
 */

let server: TestServer;
const get = (url: string) => getJson(server, url);
const iso = (ns: bigint) => {
  const d = new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, '');
  return `${d}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
};
const WINDOW = `query.start_time_min=${iso(T0)}&query.start_time_max=${iso(T0 + 10n * S)}`;
const CAMEL = `query.startTimeMin=${iso(T0)}&query.startTimeMax=${iso(T0 + 10n * S)}`;
const [W1, W2, W3] = [1, 2, 3].map(searchTid);
const notFound = { status: 404, body: { error: { httpCode: 404, message: 'No traces found' } } };
const badRequest = { status: 400, body: { error: { httpCode: 400, message: expect.any(String) } } };

/** The distinct trace IDs of a merged TracesData, in order of first appearance. */
function traceIds(body: any): string[] {
  const spans = body.result.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
  return [...new Set<string>(spans.map((s: any) => s.traceId))];
}

beforeAll(async () => {
  server = await startServer({ listen: false, now: () => NOW_MS });
  await loadJaegerFixtures(server);
});
afterAll(async () => server.close());

describe.each(['/api/v3', '/jaeger/api/v3'])('%s', (base) => {
  it('GET services is {"services": […]} (GetServices.json)', async () => {
    expect(await get(`${base}/services`)).toEqual({
      status: 200,
      body: { services: ['api', 'backend', 'frontend', 'solo svc', 'web', 'worker'] },
    });
  });

  it('GET operations is {"operations": [{name, spanKind}]}, an UNSPECIFIED kind reported as internal (GetOperations.json)', async () => {
    expect((await get(`${base}/operations?service=worker`)).body).toEqual({
      operations: [
        { name: 'consume', spanKind: 'consumer' },
        { name: 'tick', spanKind: 'internal' },
      ],
    });
    expect((await get(`${base}/operations?service=worker&spanKind=consumer`)).body).toEqual({ operations: [{ name: 'consume', spanKind: 'consumer' }] });
    expect((await get(`${base}/operations?service=backend&span_kind=client`)).body).toEqual({ operations: [{ name: 'SELECT', spanKind: 'client' }] });
    expect((await get(`${base}/operations?service=nobody`)).body).toEqual({ operations: [] });
    expect(await get(`${base}/operations?service=web&spanKind=bogus`)).toEqual(badRequest);
    expect(await get(`${base}/operations`)).toEqual(badRequest);
  });

  it('GET traces/{id} is the OTLP/JSON of the trace as it came in, in {"result": …} (GetTrace.json)', async () => {
    const res = await get(`${base}/traces/${TRACE_A}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['result']);
    // The same TracesData as the native OTLP download, which gives back what was sent field for field.
    expect(res.body.result).toEqual((await get(`/api/traces/${TRACE_A}/otlp`)).body);
    const [first] = res.body.result.resourceSpans[0].scopeSpans[0].spans;
    expect(first).toMatchObject({
      traceId: TRACE_A,
      spanId: 'aaaaaaaaaaaaaaa1',
      kind: 2,
      flags: 769,
      startTimeUnixNano: String(T0 + 1_234_567n),
      status: { code: 1, message: '' },
    });
    expect(first.attributes.find((a: any) => a.key === 'big').value).toEqual({ intValue: '9007199254740993' });
    expect(first.attributes.find((a: any) => a.key === 'nan').value).toEqual({ doubleValue: 'NaN' });
    expect(res.body.result.resourceSpans.map((r: any) => r.resource.attributes[0].value.stringValue)).toEqual(['frontend', 'backend', 'worker']);
    expect(res.body.result.resourceSpans[0].scopeSpans[0].spans[0].attributes).toEqual(BODY_A.resourceSpans[0].scopeSpans[0].spans[0].attributes);
  });

  it('GET traces/{id} takes hex (16 or 32 digits) or base64, checks startTime/endTime and rawTraces, 404s an unknown trace', async () => {
    expect(traceIds((await get(`${base}/traces/a3ce929d0e0e4736`)).body)).toEqual([TRACE_64]);
    expect(traceIds((await get(`${base}/traces/${Buffer.from(TRACE_A, 'hex').toString('base64url')}`)).body)).toEqual([TRACE_A]);
    const hinted = await get(`${base}/traces/${TRACE_A}?startTime=${iso(T0)}&endTime=${iso(T0 + S)}&rawTraces=true`);
    expect(traceIds(hinted.body)).toEqual([TRACE_A]);
    expect(traceIds((await get(`${base}/traces/${TRACE_A}?start_time=${iso(T0)}&end_time=${iso(T0 + S)}&raw_traces=false`)).body)).toEqual([TRACE_A]);
    expect(await get(`${base}/traces/${TRACE_A}?startTime=1700000000`)).toEqual(badRequest);
    expect(await get(`${base}/traces/${TRACE_A}?rawTraces=yes`)).toEqual(badRequest);
    expect(await get(`${base}/traces/${'e'.repeat(32)}`)).toEqual(notFound);
    expect(await get(`${base}/traces/not-hex!`)).toEqual(badRequest);
  });

  it('GET traces searches with query.* in snake_case or camelCase, every trace merged into one TracesData (FindTraces.json)', async () => {
    const snake = await get(`${base}/traces?query.service_name=web&${WINDOW}`);
    expect(snake.status).toBe(200);
    expect(traceIds(snake.body)).toEqual([W3, W2, W1]);
    // Three traces of two services each: one resourceSpans per service per trace.
    expect(snake.body.result.resourceSpans).toHaveLength(6);
    expect((await get(`${base}/traces?query.serviceName=web&${CAMEL}`)).body).toEqual(snake.body);
  });

  it('filters by operation, attributes JSON, Go durations and the window; searchDepth (or num_traces) is the limit', async () => {
    const q = async (s: string) => traceIds((await get(`${base}/traces?query.service_name=web&${WINDOW}&${s}`)).body);
    expect(await q(`query.operation_name=${encodeURIComponent('GET /home')}`)).toEqual([W3, W2, W1]);
    expect(await q(`query.operationName=${encodeURIComponent('GET api')}`)).toEqual([W3, W2, W1]);
    expect(await q(`query.attributes=${encodeURIComponent('{"customer":"alice"}')}`)).toEqual([W3, W1]);
    expect(await q('query.duration_min=50ms')).toEqual([W3, W2]);
    expect(await q('query.durationMin=50ms&query.durationMax=0.5s')).toEqual([W2]);
    expect(await q('query.duration_max=10ms')).toEqual([W1]);
    expect(await q('query.search_depth=1')).toEqual([W3]);
    expect(await q('query.searchDepth=2')).toEqual([W3, W2]);
    expect(await q('query.num_traces=1')).toEqual([W3]);
    expect(await q('query.raw_traces=true')).toEqual([W3, W2, W1]);
    expect(await q('query.rawTraces=1')).toEqual([W3, W2, W1]);
    expect(await q(`query.attributes=${encodeURIComponent('{"error":"true"}')}`)).toEqual([W2]);
    const narrow = await get(`${base}/traces?query.service_name=web&query.start_time_min=${iso(T0 + 2n * S)}&query.start_time_max=${iso(T0 + 2n * S + 1n)}`);
    expect(traceIds(narrow.body)).toEqual([W2]);
  });

  it('an empty search is a 404 "No traces found", as in Jaeger', async () => {
    expect(await get(`${base}/traces?query.service_name=nobody&${WINDOW}`)).toEqual(notFound);
    expect(await get(`${base}/traces?query.service_name=web&${WINDOW}&query.duration_min=1h`)).toEqual(notFound);
  });

  it.each([
    ['', 'required'],
    [`query.start_time_min=${iso(T0)}`, 'required'],
    [`query.start_time_min=${iso(T0 + S)}&query.start_time_max=${iso(T0)}`, 'before'],
    [`query.start_time_min=${iso(T0)}&query.start_time_max=${iso(T0)}`, 'before'],
    ['query.start_time_min=yesterday&query.start_time_max=today', 'query.start_time_min'],
    ['query.startTimeMin=1700000000000&query.startTimeMax=1700000001000', 'query.startTimeMin'],
    [`${WINDOW}&query.duration_min=fast`, 'query.duration_min'],
    [`${WINDOW}&query.durationMax=100`, 'query.durationMax'],
    [`${WINDOW}&query.attributes=notjson`, 'query.attributes'],
    [`${WINDOW}&query.search_depth=many`, 'query.search_depth'],
    [`${WINDOW}&query.raw_traces=maybe`, 'query.raw_traces'],
    [`${WINDOW}&query.filter=${encodeURIComponent('{"name":"and"}')}`, 'query.filter'],
  ])('GET traces?%s is a 400 {"error":{"httpCode":400,…}} naming %s', async (query, named) => {
    const res = await get(`${base}/traces?query.service_name=web&${query}`);
    expect(res).toEqual(badRequest);
    expect(res.body.error.message).toContain(named);
  });

  it('GET trace-summaries: one summary per trace, counted from its spans (FindTraceSummaries.json, int64 as strings)', async () => {
    const res = await get(`${base}/trace-summaries?query.service_name=web&${WINDOW}&query.attributes=${encodeURIComponent('{"customer":"bob"}')}`);
    expect(res).toEqual({
      status: 200,
      body: {
        summaries: [
          {
            traceId: W2,
            rootServiceName: 'web',
            rootOperationName: 'GET /home',
            minStartTimeUnixNano: String(T0 + 2n * S),
            maxEndTimeUnixNano: String(T0 + 2n * S + 100_000_000n),
            spanCount: 3,
            // The web root answered 500 (a failed request by the HTTP rules) and the api span has status ERROR.
            errorSpanCount: 2,
            services: [
              { name: 'web', spanCount: 2, errorSpanCount: 1 },
              { name: 'api', spanCount: 1, errorSpanCount: 1 },
            ],
          },
        ],
      },
    });
    expect((await get(`${base}/trace-summaries?query.service_name=nobody&${WINDOW}`)).body).toEqual({ summaries: [] });
    expect(await get(`${base}/trace-summaries?query.service_name=web`)).toEqual(badRequest);
  });

  it('an unknown path is a 404 in the v3 error shape', async () => {
    expect(await get(`${base}/nothing`)).toEqual({ status: 404, body: { error: { httpCode: 404, message: expect.any(String) } } });
  });
});

it('Grafana sends start_time_min/max unescaped: a "+hh:mm" offset arrives as a space and still parses', async () => {
  const min = new Date(Number(T0 / 1_000_000n) + 3_600_000).toISOString().replace('Z', '+01:00');
  const max = new Date(Number(T0 / 1_000_000n) + 3_600_000 + 10_000).toISOString().replace('Z', '+01:00');
  const res = await server.ui.inject(`/jaeger/api/v3/traces?query.service_name=web&query.start_time_min=${min}&query.start_time_max=${max}`);
  expect(res.statusCode).toBe(200);
  expect(traceIds(res.json())).toEqual([W3, W2, W1]);
});

it('the native /api routes beside /api/v3 are unchanged', async () => {
  expect((await get('/api/services')).body.services.map((s: any) => s.name)).toContain('web');
  expect((await get('/api/nothing')).body).toEqual({ error: 'no route for GET /api/nothing' });
});
