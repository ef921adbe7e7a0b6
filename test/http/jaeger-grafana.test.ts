import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { loadJaegerFixtures, MS, NOW_MS, S, searchTid, TRACE_A } from '../fixtures/jaeger-traces.js';

/**
 * The requests Grafana's Jaeger data source makes, built the way its code builds them (grafana
 * pkg/tsdb/jaeger/client.go, grpc_client.go, querydata.go, jaeger.go; public/app/plugins/datasource/jaeger/
 * datasource.ts), sent over a real socket to the data source URL http://host:port/jaeger, and each answer decoded
 * as Grafana's Go types would decode it (a field of the wrong JSON type fails encoding/json there; unknown
 * fields are ignored), then used as Grafana uses it.
 */

let server: TestServer;
let base: string;

/** Go's url.QueryEscape: everything but [A-Za-z0-9-_.~] escaped, space as '+'. */
const queryEscape = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
/** Go's url.Values.Encode: keys sorted. */
const encode = (params: Record<string, string>) =>
  Object.keys(params).sort().map((k) => `${queryEscape(k)}=${queryEscape(params[k])}`).join('&');
/** Go's time.Format(time.RFC3339Nano) of a UTC time: fraction without trailing zeros. */
const rfc3339Nano = (ns: bigint) => {
  const whole = new Date(Number(ns / MS)).toISOString().slice(0, 19);
  const frac = String(ns % S).padStart(9, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''}Z`;
};
/** Grafana turns the logfmt tags of the query editor into a JSON map (json.Marshal sorts the keys). */
const logfmtToJson = (logfmt: string) =>
  JSON.stringify(Object.fromEntries(logfmt.split(' ').map((kv) => kv.split('=')).sort(([a], [b]) => (a < b ? -1 : 1))));

async function fetchJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** A Go type as encoding/json sees it: a value of another JSON type is a decode error. */
type GoType = 'string' | 'int' | 'any' | { slice: GoType } | { map: GoType } | { struct: Record<string, GoType> };

function goDecodeErrors(v: unknown, t: GoType, path = '$'): string[] {
  if (t === 'any' || v === null) return [];
  if (t === 'string') return typeof v === 'string' ? [] : [`${path}: ${JSON.stringify(v)} into string`];
  if (t === 'int') return Number.isInteger(v) ? [] : [`${path}: ${JSON.stringify(v)} into int`];
  if ('slice' in t) return Array.isArray(v) ? v.flatMap((e, i) => goDecodeErrors(e, t.slice, `${path}[${i}]`)) : [`${path}: not an array`];
  if (typeof v !== 'object' || Array.isArray(v)) return [`${path}: not an object`];
  const o = v as Record<string, unknown>;
  if ('map' in t) return Object.entries(o).flatMap(([k, e]) => goDecodeErrors(e, t.map, `${path}.${k}`));
  return Object.entries(t.struct).flatMap(([k, ft]) => (k in o ? goDecodeErrors(o[k], ft, `${path}.${k}`) : []));
}

// pkg/tsdb/jaeger/client.go and querydata.go
const KV: GoType = { struct: { key: 'string', type: 'string', value: 'any' } };
const TRACE: GoType = {
  struct: {
    processes: { map: { struct: { serviceName: 'string', tags: { slice: KV } } } },
    traceID: 'string',
    warnings: { slice: 'string' },
    spans: {
      slice: {
        struct: {
          traceID: 'string',
          spanID: 'string',
          processID: 'string',
          operationName: 'string',
          startTime: 'int',
          duration: 'int',
          logs: { slice: { struct: { timestamp: 'int', fields: { slice: KV }, name: 'string' } } },
          references: { slice: { struct: { refType: 'string', spanID: 'string', traceID: 'string' } } },
          tags: { slice: KV },
          warnings: { slice: 'string' },
          flags: 'int',
          stackTraces: { slice: 'string' },
        },
      },
    },
  },
};
const SERVICES_RESPONSE: GoType = { struct: { data: { slice: 'string' }, errors: 'any', limit: 'int', offset: 'int', total: 'int' } };
const TRACES_RESPONSE: GoType = { struct: { data: { slice: TRACE }, errors: 'any', limit: 'int', offset: 'int', total: 'int' } };
const DEPENDENCIES_RESPONSE: GoType = {
  struct: {
    data: { slice: { struct: { parent: 'string', child: 'string', callCount: 'int' } } },
    errors: { slice: { struct: { code: 'int', msg: 'string' } } },
  },
};
// pkg/tsdb/jaeger/types/grpc_types.go
const ANY_VALUE: GoType = { struct: { stringValue: 'string', boolValue: 'string', intValue: 'string', doubleValue: 'string', bytesValue: 'string' } };
const GRPC_KV: GoType = { struct: { key: 'string', value: ANY_VALUE } };
const GRPC_TRACES_RESPONSE: GoType = {
  struct: {
    error: { struct: { grpcCode: 'int', httpCode: 'int', message: 'string', httpStatus: 'string' } },
    result: {
      struct: {
        resourceSpans: {
          slice: {
            struct: {
              resource: { struct: { attributes: { slice: GRPC_KV }, droppedAttributesCount: 'int' } },
              schemaUrl: 'string',
              scopeSpans: {
                slice: {
                  struct: {
                    schemaUrl: 'string',
                    scope: { struct: { name: 'string', version: 'string', attributes: { slice: GRPC_KV }, droppedAttributesCount: 'int' } },
                    spans: {
                      slice: {
                        struct: {
                          traceId: 'string',
                          spanId: 'string',
                          traceState: 'string',
                          parentSpanId: 'string',
                          flags: 'int',
                          name: 'string',
                          kind: 'int',
                          startTimeUnixNano: 'string',
                          endTimeUnixNano: 'string',
                          attributes: { slice: GRPC_KV },
                          droppedAttributesCount: 'int',
                          events: { slice: { struct: { timeUnixNano: 'string', name: 'string', attributes: { slice: GRPC_KV }, droppedAttributesCount: 'int' } } },
                          droppedEventsCount: 'int',
                          links: { slice: { struct: { traceId: 'string', spanId: 'string', traceState: 'string', attributes: { slice: GRPC_KV }, flags: 'int' } } },
                          droppedLinksCount: 'int',
                          status: { struct: { message: 'string', code: 'int' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** The dashboard's time range: T0 .. T0 + 10 s. */
const FROM = T0;
const TO = T0 + 10n * S;

beforeAll(async () => {
  server = await startServer({ listen: true, now: () => NOW_MS });
  await loadJaegerFixtures(server);
  base = `${server.uiUrl}/jaeger`;
});
afterAll(async () => server.close());

describe("Grafana's Jaeger data source against http://host:16686/jaeger", () => {
  it('health check (CheckHealth → Services; the frontend testDatasource wants services)', async () => {
    const res = await fetchJson(`${base}/api/services`);
    expect(res.status).toBe(200);
    expect(goDecodeErrors(res.body, SERVICES_RESPONSE)).toEqual([]);
    expect(res.body.data.length).toBeGreaterThan(0);
  });

  it('operations of a service (url.JoinPath(url, "/api/services/", s, "/operations"))', async () => {
    const res = await fetchJson(`${base}/api/services/solo%20svc/operations`);
    expect(goDecodeErrors(res.body, SERVICES_RESPONSE)).toEqual([]);
    expect(res.body.data).toEqual(['only']);
  });

  it('search (client.go Search: url.Values.Encode of service, operation, tags JSON, durations, limit, start/end µs)', async () => {
    const params = {
      service: 'web',
      operation: 'GET /home',
      tags: logfmtToJson('customer=alice http.status_code=200'),
      minDuration: '5ms',
      maxDuration: '2s',
      limit: '20',
      start: String(FROM / 1000n),
      end: String(TO / 1000n),
    };
    const res = await fetchJson(`${base}/api/traces?${encode(params)}`);
    expect(res.status).toBe(200);
    expect(goDecodeErrors(res.body, TRACES_RESPONSE)).toEqual([]);
    expect(res.body.data.map((t: any) => t.traceID)).toEqual([searchTid(3), searchTid(1)]);
    // transformSearchResponse-like use: the root span and its service through processes.
    const root = res.body.data[0].spans.find((s: any) => s.references.length === 0);
    expect(res.body.data[0].processes[root.processID].serviceName).toBe('web');
  });

  it('search as the older frontend sent it (serializeParams, lookback=custom)', async () => {
    const q = `service=web&tags=${encodeURIComponent('{"customer":"bob"}')}&start=${FROM / 1000n}&end=${TO / 1000n}&lookback=custom`;
    const res = await fetchJson(`${base}/api/traces?${q}`);
    expect(goDecodeErrors(res.body, TRACES_RESPONSE)).toEqual([]);
    expect(res.body.data.map((t: any) => t.traceID)).toEqual([searchTid(2)]);
  });

  it('trace by ID, with and without "trace ID time params" (which sends milliseconds), turned into frame rows', async () => {
    for (const url of [`${base}/api/traces/${TRACE_A}`, `${base}/api/traces/${TRACE_A}?${encode({ start: String(FROM / MS), end: String(TO / MS) })}`]) {
      const res = await fetchJson(url);
      expect(res.status).toBe(200);
      expect(goDecodeErrors(res.body, TRACES_RESPONSE)).toEqual([]);
      // transformTraceResponse: the parent is the first CHILD_OF reference; service from processes; µs → ms.
      const trace = res.body.data[0];
      const rows = trace.spans.map((s: any) => ({
        spanID: s.spanID,
        parentSpanID: s.references.find((r: any) => r.refType === 'CHILD_OF')?.spanID ?? null,
        serviceName: trace.processes[s.processID].serviceName,
        startTime: s.startTime / 1000,
      }));
      expect(rows.slice(0, 3)).toEqual([
        { spanID: 'aaaaaaaaaaaaaaa1', parentSpanID: null, serviceName: 'frontend', startTime: Number(T0 / MS) + 1.234 },
        { spanID: 'aaaaaaaaaaaaaaa2', parentSpanID: 'aaaaaaaaaaaaaaa1', serviceName: 'frontend', startTime: Number(T0 / MS) + 2 },
        { spanID: 'aaaaaaaaaaaaaaa3', parentSpanID: 'aaaaaaaaaaaaaaa1', serviceName: 'backend', startTime: Number(T0 / MS) + 10 },
      ]);
    }
  });

  it('dependency graph (endTs = range end ms, lookback = range length ms); no errors, so Grafana draws it', async () => {
    const res = await fetchJson(`${base}/api/dependencies?${encode({ endTs: String(TO / MS), lookback: String((TO - FROM) / MS) })}`);
    expect(goDecodeErrors(res.body, DEPENDENCIES_RESPONSE)).toEqual([]);
    expect(res.body.errors ?? []).toHaveLength(0);
    expect(res.body.data).toContainEqual({ parent: 'web', child: 'api', callCount: 3 });
  });

  it('v3 search behind the feature flag (GrpcSearch: snake_case query.*, start/end appended unescaped)', async () => {
    const params = { 'query.service_name': 'web', 'query.attributes': logfmtToJson('customer=alice'), 'query.duration_min': '5ms' };
    const url = `${base}/api/v3/traces?${encode(params)}&query.start_time_min=${rfc3339Nano(FROM)}&query.start_time_max=${rfc3339Nano(TO + 123_000n)}`;
    const res = await fetchJson(url);
    expect(res.status).toBe(200);
    expect(goDecodeErrors(res.body, GRPC_TRACES_RESPONSE)).toEqual([]);
    expect(res.body.error?.httpCode ?? 0).toBe(0);
    const ids = new Set(res.body.result.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans.map((x: any) => x.traceId))));
    expect([...ids]).toEqual([searchTid(3), searchTid(1)]);
  });

  it('v3 trace by ID (GrpcTrace: start_time/end_time appended as the whole query)', async () => {
    const id = searchTid(2);
    const res = await fetchJson(`${base}/api/v3/traces/${id}?start_time=${rfc3339Nano(FROM)}&end_time=${rfc3339Nano(TO)}`);
    expect(res.status).toBe(200);
    expect(goDecodeErrors(res.body, GRPC_TRACES_RESPONSE)).toEqual([]);
    expect(res.body.result.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans.map((x: any) => x.name)))).toEqual(['GET /home', 'GET api', 'handle']);
  });

  it('a v3 search that finds nothing answers the error Grafana checks (error.httpCode 404)', async () => {
    const url = `${base}/api/v3/traces?${encode({ 'query.service_name': 'nobody' })}&query.start_time_min=${rfc3339Nano(FROM)}&query.start_time_max=${rfc3339Nano(TO)}`;
    const res = await fetchJson(url);
    expect(res.status).toBe(404);
    expect(goDecodeErrors(res.body, GRPC_TRACES_RESPONSE)).toEqual([]);
    expect(res.body.error).toEqual({ httpCode: 404, message: 'No traces found' });
  });

  it("Grafana's v3 types read boolValue and doubleValue as Go strings: OTLP/JSON's bools and doubles (Jaeger's too) fail there", async () => {
    const res = await fetchJson(`${base}/api/v3/traces/${TRACE_A}`);
    const errors = goDecodeErrors(res.body, GRPC_TRACES_RESPONSE);
    expect(errors).toContainEqual(expect.stringMatching(/boolValue: true into string$/));
    expect(errors).toContainEqual(expect.stringMatching(/doubleValue: 1.5 into string$/));
  });
});
