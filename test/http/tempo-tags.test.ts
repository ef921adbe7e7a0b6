import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Tempo's tag endpoints v1 and v2 (reference §6), answered from what the store indexes. */
let server: TestServer;
const MS = 1_000_000n;

beforeAll(async () => {
  server = await startServer({ listen: false });
  const spans = (service: string, n: number, attributes: Record<string, string | number>) => [
    { traceId: tid(n), spanId: sid(n), name: `GET /${service}`, kind: 2, start: T0 + BigInt(n) * MS, durationNs: MS, attributes },
  ];
  for (const [i, [service, attrs]] of ([['web', { 'http.request.method': 'GET', 'user.id': 'u1' }], ['api', { 'http.request.method': 'POST', 'http.response.status_code': 201 }]] as const).entries()) {
    const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: exportRequest({ [service]: spans(service, i + 1, attrs) }, { 'deployment.environment.name': 'prod' }), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
  }
});
afterAll(async () => server.close());

const get = async (url: string) => {
  const res = await server.ui.inject({ method: 'GET', url: `/tempo${url}` });
  return { status: res.statusCode, body: String(res.headers['content-type'] ?? '').startsWith('application/json') ? res.json() : res.body };
};

describe('tag names', () => {
  it('v1: {"tagNames":[…]}, the indexed attribute keys of every scope', async () => {
    expect(await get('/api/search/tags')).toEqual({
      status: 200,
      body: { tagNames: ['deployment.environment.name', 'http.request.method', 'http.response.status_code', 'service.name'] },
    });
    expect((await get('/api/search/tags?scope=intrinsic')).body.tagNames).toContain('traceDuration');
  });

  it('v2: {"scopes":[…]} per scope; `scope` picks one; unknown scopes are a 400', async () => {
    expect(await get('/api/v2/search/tags?scope=span')).toEqual({ status: 200, body: { scopes: [{ name: 'span', tags: ['http.request.method', 'http.response.status_code'] }] } });
    expect((await get('/api/v2/search/tags?scope=resource')).body).toEqual({ scopes: [{ name: 'resource', tags: ['deployment.environment.name', 'service.name'] }] });
    expect((await get('/api/v2/search/tags?scope=event')).body).toEqual({ scopes: [{ name: 'event', tags: [] }] });
    expect((await get('/api/v2/search/tags')).body.scopes.map((s: { name: string }) => s.name)).toEqual(['resource', 'span', 'intrinsic']);
    expect(await get('/api/v2/search/tags?scope=nope')).toEqual({ status: 400, body: 'scope must be resource, span, intrinsic, event, link, instrumentation or all' });
  });
});

describe('tag values', () => {
  it('v1: plain strings; the tag a bare key', async () => {
    expect((await get('/api/search/tag/http.request.method/values')).body).toEqual({ tagValues: ['GET', 'POST'] });
    expect((await get('/api/search/tag/service.name/values')).body).toEqual({ tagValues: ['api', 'web'] });
    expect((await get('/api/search/tag/user.id/values')).body).toEqual({ tagValues: [] }); // not indexed
  });

  it('v2: typed values; scopes are kept apart; limit', async () => {
    expect((await get('/api/v2/search/tag/span.http.response.status_code/values')).body).toEqual({ tagValues: [{ type: 'int', value: '201' }] });
    expect((await get('/api/v2/search/tag/resource.http.request.method/values')).body).toEqual({ tagValues: [] });
    expect((await get('/api/v2/search/tag/.deployment.environment.name/values')).body).toEqual({ tagValues: [{ type: 'string', value: 'prod' }] });
    expect((await get('/api/v2/search/tag/rootServiceName/values')).body).toEqual({ tagValues: [{ type: 'string', value: 'api' }, { type: 'string', value: 'web' }] });
    expect((await get('/api/v2/search/tag/span.http.request.method/values?limit=1')).body).toEqual({ tagValues: [{ type: 'string', value: 'GET' }] });
    expect((await get('/api/v2/search/tag/duration/values')).body).toEqual({ tagValues: [] });
  });

  it('a tag that is not a TraceQL identifier is a 400', async () => {
    expect(await get('/api/v2/search/tag/http.request.method/values')).toEqual({
      status: 400,
      body: 'tag "http.request.method" is not a TraceQL attribute (resource.k, span.k or .k) or intrinsic',
    });
  });
});

describe('other routes', () => {
  it('an unknown /tempo route is a plain-text 404', async () => {
    expect(await get('/api/metrics/query_range')).toEqual({ status: 404, body: 'no route for GET /tempo/api/metrics/query_range' });
  });
});
