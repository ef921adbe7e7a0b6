import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * /tempo/api/search on a real store filled over OTLP/HTTP: TraceQL semantics (every `&&` term on one span, `||`,
 * parentheses, each intrinsic and operator, regexes, durations, status and kind, resource vs span vs unscoped
 * attributes, indexed and unindexed keys), the older tags search, limits and time bounds, and the exact JSON shape.
 *
 * t1 (newest but one): web GET / (server, 100 ms, GET 200) → web SELECT (client, 30 ms, db.system, user.id u1)
 *                      → api POST /pay (server, 50 ms, error "boom", 500)
 * t2 (newest):         web GET / (server, 10 ms, 200, user.id u2)
 * t3 (oldest):         api POST /pay (server, 2 s, error, 500)
 */
const MS = 1_000_000n;
let server: TestServer;

const spans: Record<'web' | 'api', JsonSpanSpec[]> = {
  web: [
    { traceId: tid(1), spanId: sid(11), name: 'GET /', kind: 2, start: T0 + 1000n * MS, durationNs: 100n * MS, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 } },
    { traceId: tid(1), spanId: sid(12), parentSpanId: sid(11), name: 'SELECT', kind: 3, start: T0 + 1010n * MS, durationNs: 30n * MS, attributes: { 'db.system': 'postgresql', 'user.id': 'u1' } },
    { traceId: tid(2), spanId: sid(21), name: 'GET /', kind: 2, start: T0 + 5000n * MS, durationNs: 10n * MS, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'user.id': 'u2' } },
  ],
  api: [
    { traceId: tid(1), spanId: sid(13), parentSpanId: sid(11), name: 'POST /pay', kind: 2, start: T0 + 1050n * MS, durationNs: 50n * MS, error: true, attributes: { 'http.response.status_code': 500 } },
    { traceId: tid(3), spanId: sid(31), name: 'POST /pay', kind: 2, start: T0, durationNs: 2000n * MS, error: true, attributes: { 'http.response.status_code': 500 } },
  ],
};

async function post(payload: string) {
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  server = await startServer({ listen: false });
  await post(exportRequest({ web: spans.web }, { 'deployment.environment.name': 'prod' }));
  await post(exportRequest({ api: spans.api }, { 'deployment.environment.name': 'dev' }));
});
afterAll(async () => server.close());

async function search(params: Record<string, string>) {
  const res = await server.ui.inject({ method: 'GET', url: `/tempo/api/search?${new URLSearchParams(params)}` });
  return { status: res.statusCode, body: res.statusCode === 200 ? res.json() : res.body };
}

/** The trace numbers a TraceQL query finds, newest first. */
async function found(q: string): Promise<number[]> {
  const res = await search({ q });
  expect(res.status, String(res.body)).toBe(200);
  return res.body.traces.map((t: { traceID: string }) => parseInt(t.traceID, 16));
}

describe('TraceQL search semantics', () => {
  it('{} finds every trace, newest first', async () => {
    expect(await found('{}')).toEqual([2, 1, 3]);
  });

  it('&& holds on one span: a trace with a web span and a failed span of api is not "a failed web span"', async () => {
    expect(await found('{resource.service.name="web" && status=error}')).toEqual([]);
    expect(await found('{resource.service.name="api" && status=error}')).toEqual([1, 3]);
    expect(await found('{name="GET /" && duration>50ms}')).toEqual([1]);
    expect(await found('{name="SELECT" && duration>50ms}')).toEqual([]);
  });

  it('|| and parentheses', async () => {
    expect(await found('{name="SELECT" || traceDuration>1s}')).toEqual([1, 3]);
    expect(await found('{(name="GET /" || name="POST /pay") && status=error}')).toEqual([1, 3]);
    expect(await found('{name="GET /" || name="POST /pay" && status=error}')).toEqual([2, 1, 3]);
    expect(await found('{(name="GET /" && duration<50ms) || (name="SELECT" && .user.id="u1")}')).toEqual([2, 1]);
  });

  it('each intrinsic', async () => {
    expect(await found('{name="SELECT"}')).toEqual([1]);
    expect(await found('{status=error}')).toEqual([1, 3]);
    expect(await found('{status=unset}')).toEqual([2, 1]);
    expect(await found('{status!=unset}')).toEqual([1, 3]);
    expect(await found('{status=ok}')).toEqual([]);
    expect(await found('{kind=client}')).toEqual([1]);
    expect(await found('{kind!=server}')).toEqual([1]);
    expect(await found('{statusMessage="boom"}')).toEqual([1, 3]);
    expect(await found('{rootName="GET /"}')).toEqual([2, 1]);
    expect(await found('{rootServiceName="api"}')).toEqual([3]);
    expect(await found('{rootServiceName!="api"}')).toEqual([2, 1]);
    expect(await found('{traceDuration<50ms}')).toEqual([2]);
    expect(await found('{traceDuration=100ms}')).toEqual([1]);
  });

  it('every operator on durations and numbers', async () => {
    expect(await found('{duration=30ms}')).toEqual([1]);
    expect(await found('{duration!=30ms && kind=client}')).toEqual([]);
    expect(await found('{duration>100ms}')).toEqual([3]);
    expect(await found('{duration>=100ms}')).toEqual([1, 3]);
    expect(await found('{duration<30ms}')).toEqual([2]);
    expect(await found('{duration<=30ms}')).toEqual([2, 1]);
    expect(await found('{span.http.response.status_code>=500}')).toEqual([1, 3]);
    expect(await found('{span.http.response.status_code<300}')).toEqual([2, 1]);
    expect(await found('{span.http.response.status_code!=200}')).toEqual([1, 3]);
  });

  it('regexes, fully anchored; =~ and !~', async () => {
    expect(await found('{name=~"GET.*"}')).toEqual([2, 1]);
    expect(await found('{name=~"GET"}')).toEqual([]);
    expect(await found('{name!~"GET.*"}')).toEqual([1, 3]);
    expect(await found('{resource.service.name=~"a.i|nothing"}')).toEqual([1, 3]);
    expect(await found('{.db.system=~"postgres.*"}')).toEqual([1]);
    expect(await found('{rootName=~"POST.*"}')).toEqual([3]);
  });

  it('resource vs span vs unscoped attributes', async () => {
    expect(await found('{resource.deployment.environment.name="prod"}')).toEqual([2, 1]);
    expect(await found('{span.deployment.environment.name="prod"}')).toEqual([]);
    expect(await found('{.deployment.environment.name="dev"}')).toEqual([1, 3]);
    expect(await found('{resource.http.request.method="GET"}')).toEqual([]);
    expect(await found('{.http.request.method="GET"}')).toEqual([2, 1]);
    expect(await found('{.service.name="api"}')).toEqual([1, 3]);
  });

  it('unindexed attributes are checked on the spans; numbers and strings compare by text under = and !=', async () => {
    expect(await found('{.user.id="u2"}')).toEqual([2]);
    expect(await found('{span.user.id!="u2"}')).toEqual([1]);
    expect(await found('{.http.response.status_code="500"}')).toEqual([1, 3]);
    expect(await found('{.nowhere="x"}')).toEqual([]);
  });
});

describe('search parameters', () => {
  it('limit keeps the newest; start/end (unix seconds) bound the trace start; spss the spans per set', async () => {
    expect((await search({ q: '{}', limit: '1' })).body.traces.map((t: any) => t.traceID)).toEqual(['2']);
    const s = String((T0 + 1000n * MS) / 1_000_000_000n);
    const e = String((T0 + 2000n * MS) / 1_000_000_000n);
    expect((await search({ q: '{}', start: s, end: e })).body.traces.map((t: any) => t.traceID)).toEqual(['1']);
    const one = (await search({ q: '{}', spss: '1', limit: '3' })).body.traces.find((t: any) => t.traceID === '1');
    expect(one.spanSets[0].spans).toHaveLength(1);
    expect(one.spanSets[0].matched).toBe(3);
  });

  it('tags (logfmt) with minDuration/maxDuration on the trace', async () => {
    const ids = async (p: Record<string, string>) => (await search(p)).body.traces.map((t: any) => t.traceID);
    expect(await ids({ tags: 'service.name=api' })).toEqual(['1', '3']);
    expect(await ids({ tags: 'service.name=api', minDuration: '1s' })).toEqual(['3']);
    expect(await ids({ tags: 'service.name=api', maxDuration: '1s' })).toEqual(['1']);
    expect(await ids({ tags: 'name="GET /" user.id=u2' })).toEqual(['2']);
    expect(await ids({ tags: 'error=true' })).toEqual(['1', '3']);
    expect(await ids({})).toEqual(['2', '1', '3']);
  });

  it('unsupported TraceQL and bad parameters are 400s, in plain text, naming the part', async () => {
    expect(await search({ q: '{ status = error } | count() > 2' })).toEqual({ status: 400, body: 'unsupported TraceQL: pipelines (`| count() > 2`) at 19' });
    expect(await search({ q: '{}', limit: 'x' })).toEqual({ status: 400, body: 'limit must be a positive integer' });
    expect(await search({ q: '{}', start: '2024-01-01' })).toEqual({ status: 400, body: 'start must be unix seconds' });
    expect(await search({ tags: 'x', minDuration: '1' })).toEqual({ status: 400, body: 'tags must be logfmt (key=value key2="value 2"): cannot read "x"' });
    expect(await search({ minDuration: '10' })).toEqual({ status: 400, body: 'minDuration must be a duration such as 100ms or 1.5s' });
  });
});

describe('the response shape (reference §6)', () => {
  it('the intrinsics status, kind and statusMessage are listed among a matched span\'s attributes when queried, as Tempo does', async () => {
    const res = await search({ q: '{status=error && kind=server && statusMessage=~"bo.*" && resource.service.name="api"}', limit: '1' });
    expect(res.body.traces[0].spanSets[0].spans[0].attributes).toEqual([
      { key: 'status', value: { stringValue: 'error' } },
      { key: 'kind', value: { stringValue: 'server' } },
      { key: 'statusMessage', value: { stringValue: 'boom' } },
      { key: 'service.name', value: { stringValue: 'api' } },
    ]);
  });

  it('a trace with its matched spans, the queried attributes, root names, service stats and metrics', async () => {
    const res = await search({ q: '{span.http.response.status_code>=500 && resource.deployment.environment.name="dev"}', limit: '1' });
    expect(res.body).toEqual({
      traces: [
        {
          traceID: '1',
          rootServiceName: 'web',
          rootTraceName: 'GET /',
          startTimeUnixNano: String(T0 + 1000n * MS),
          durationMs: 100,
          spanSet: {
            spans: [
              {
                spanID: sid(13),
                name: 'POST /pay',
                startTimeUnixNano: String(T0 + 1050n * MS),
                durationNanos: String(50n * MS),
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: '500' } },
                  { key: 'deployment.environment.name', value: { stringValue: 'dev' } },
                ],
              },
            ],
            matched: 1,
          },
          spanSets: [
            {
              spans: [
                {
                  spanID: sid(13),
                  name: 'POST /pay',
                  startTimeUnixNano: String(T0 + 1050n * MS),
                  durationNanos: String(50n * MS),
                  attributes: [
                    { key: 'http.response.status_code', value: { intValue: '500' } },
                    { key: 'deployment.environment.name', value: { stringValue: 'dev' } },
                  ],
                },
              ],
              matched: 1,
            },
          ],
          serviceStats: { web: { spanCount: 2, errorCount: 0 }, api: { spanCount: 1, errorCount: 1 } },
        },
      ],
      metrics: { inspectedTraces: 1, completedJobs: 1, totalJobs: 1 },
    });
  });
});
