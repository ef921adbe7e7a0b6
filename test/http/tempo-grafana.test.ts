import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceByIDResponse, TempoTrace, otlpJsonOf } from '../fixtures/tempo-proto.js';
import { providerWith, richTrace } from '../helpers/sdk.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The requests Grafana's Tempo data source makes (URL http://host:16686/tempo, streaming off), replayed over real
 * sockets against a store filled by the real OTel SDK's OTLP/HTTP protobuf exporter: "Save & test" (echo), the
 * build info, the v2 tags, tag values with the tag encoded twice, a search with the builder's TraceQL, the trace
 * by ID as protobuf (v2, and v1 after a 404, as pkg/tsdb/tempo/trace.go falls back).
 */
let server: TestServer;
let traceId = '';

beforeAll(async () => {
  server = await startServer({ listen: true });
  const provider = providerWith(new OTLPTraceExporter({ url: `${server.otlpUrl}/v1/traces` }), 'checkout');
  richTrace(provider.getTracer('test-scope', '0.0.1'));
  await provider.shutdown();
  const found = (await (await fetch(`${server.uiUrl}/api/traces?service=checkout`)).json()) as { traces: Array<{ traceId: string }> };
  traceId = found.traces[0].traceId;
});
afterAll(async () => server.close());

const tempo = (path: string, init?: RequestInit) => fetch(`${server.uiUrl}/tempo${path}`, init);
const json = { headers: { accept: 'application/json' } };

describe("Grafana's Tempo data source", () => {
  it('Save & test: /api/echo answers echo; the build info keeps Grafana off streaming search', async () => {
    const echo = await tempo('/api/echo');
    expect(echo.status).toBe(200);
    expect(await echo.text()).toBe('echo');
    const info = (await (await tempo('/api/status/buildinfo')).json()) as Record<string, string>;
    expect(Object.keys(info).sort()).toEqual(['branch', 'buildDate', 'buildUser', 'goVersion', 'revision', 'version']);
    expect(info.version).toBe('2.1.0'); // below featuresToTempoVersion.searchStreaming (2.2.0)
    expect(info.revision).toMatch(/^tracelite-\d+\.\d+\.\d+/);
  });

  it('v2 tags: the indexed keys by scope, and the intrinsics tracelite answers', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const res = await tempo(`/api/v2/search/tags?start=${nowS - 1800}&end=${nowS + 60}`, json);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      scopes: [
        { name: 'resource', tags: ['host.name', 'service.name', 'service.version'] },
        { name: 'span', tags: ['db.system.name', 'exception.type', 'http.request.method', 'http.response.status_code', 'http.route'] },
        { name: 'intrinsic', tags: ['duration', 'kind', 'name', 'rootName', 'rootServiceName', 'status', 'statusMessage', 'traceDuration'] },
      ],
    });
  });

  it('tag values: the tag in the path encoded twice (encodeURIComponent of encodeURIComponent)', async () => {
    const values = async (tag: string) => {
      const res = await tempo(`/api/v2/search/tag/${encodeURIComponent(encodeURIComponent(tag))}/values?q=${encodeURIComponent('{}')}`, json);
      expect(res.status).toBe(200);
      return ((await res.json()) as { tagValues: unknown[] }).tagValues;
    };
    expect(await values('resource.service.name')).toEqual([{ type: 'string', value: 'checkout' }]);
    expect(await values('span.http.response.status_code')).toEqual([{ type: 'int', value: '502' }]);
    expect(await values('.http.request.method')).toEqual([{ type: 'string', value: 'GET' }]);
    expect(await values('name')).toEqual(['GET /checkout', 'POST', 'SELECT orders'].map((value) => ({ type: 'string', value })));
    expect(await values('status')).toEqual(['error', 'ok', 'unset'].map((value) => ({ type: 'keyword', value })));
    expect(await values('kind')).toEqual(['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'].map((value) => ({ type: 'keyword', value })));
    expect(await values('resource."my key"')).toEqual([]); // not indexed: no values listed
    // The same through a path whose dots were encoded too (%2E encoded again: %252E).
    const dotted = await tempo('/api/v2/search/tag/resource%252Eservice%252Ename/values', json);
    expect(((await dotted.json()) as { tagValues: unknown[] }).tagValues).toEqual([{ type: 'string', value: 'checkout' }]);
  });

  it("search with the builder's TraceQL, then the trace by ID as protobuf", async () => {
    const q = '{resource.service.name="checkout" && name="POST" && span.server.port=8080 && duration>=0ms && status=error}';
    const nowS = Math.floor(Date.now() / 1000);
    const res = await tempo(`/api/search?${new URLSearchParams({ q, limit: '20', spss: '3', start: String(nowS - 3600), end: String(nowS + 60) })}`, json);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { traces: Array<Record<string, any>> };
    expect(body.traces).toHaveLength(1);
    const t = body.traces[0];
    expect(t.traceID).toBe(traceId.replace(/^0+/, ''));
    expect(typeof t.startTimeUnixNano).toBe('string');
    expect(typeof t.durationMs).toBe('number');
    expect(t).toMatchObject({ rootServiceName: 'checkout', rootTraceName: 'GET /checkout' });
    expect(t.spanSets[0]).toMatchObject({ matched: 1, spans: [{ name: 'POST', attributes: [
      { key: 'service.name', value: { stringValue: 'checkout' } },
      { key: 'server.port', value: { intValue: '8080' } },
      { key: 'status', value: { stringValue: 'error' } },
    ] }] }); // prettier-ignore

    const v2 = await tempo(`/api/v2/traces/${t.traceID}?start=${nowS - 3600}&end=${nowS + 60}`, { headers: { accept: 'application/protobuf' } });
    expect(v2.status).toBe(200);
    const decoded = otlpJsonOf(TraceByIDResponse, new Uint8Array(await v2.arrayBuffer()));
    const spans = decoded.trace.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
    expect(spans.map((s: any) => s.name).sort()).toEqual(['GET /checkout', 'POST', 'SELECT orders']);
    expect(spans.every((s: any) => s.traceId === traceId)).toBe(true);
    const post = spans.find((s: any) => s.name === 'POST');
    expect(post.attributes).toContainEqual({ key: 'ratio', value: { doubleValue: 0.25 } });
    expect(post.attributes).toContainEqual({ key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } });
    expect(post.status).toEqual({ code: 2, message: 'upstream failed' });
    expect(post.events.map((e: any) => e.name)).toEqual(['retry', 'exception']);
  });

  it('the v1 fallback: after a 404 from v2, Grafana asks /api/traces/{id} and decodes a Trace', async () => {
    const fetchTrace = async (id: string): Promise<{ status: number; bytes: Uint8Array; version: number }> => {
      const headers = { accept: 'application/protobuf' };
      const v2 = await tempo(`/api/v2/traces/${id}`, { headers });
      if (v2.status !== 404) return { status: v2.status, bytes: new Uint8Array(await v2.arrayBuffer()), version: 2 };
      const v1 = await tempo(`/api/traces/${id}`, { headers });
      return { status: v1.status, bytes: new Uint8Array(await v1.arrayBuffer()), version: 1 };
    };
    expect(await fetchTrace('1234')).toMatchObject({ status: 404, version: 1 });
    const v1 = await tempo(`/api/traces/${traceId}`, { headers: { accept: 'application/protobuf' } });
    expect(v1.status).toBe(200);
    const fromV1 = otlpJsonOf(TempoTrace, new Uint8Array(await v1.arrayBuffer()));
    const fromV2 = otlpJsonOf(TraceByIDResponse, (await fetchTrace(traceId)).bytes).trace;
    expect(fromV1).toEqual(fromV2);
  });
});
