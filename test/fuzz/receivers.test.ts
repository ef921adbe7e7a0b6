import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pw from '../fixtures/proto-writer.js';
import { rawClient, type RawClient } from '../helpers/grpc.js';
import { recordRichTrace } from '../helpers/sdk.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { acceptable, bodies, call, count, jsonMutations, params, printTally, SEED, type Answer, type Body } from './fuzz-helpers.js';

/**
 * Every receiver of a live server (real sockets) gets random bytes and mutated valid payloads — protobuf, JSON,
 * gzip, each receiver's own formats — and must answer each with a 2xx or a 4xx that says why: never a 5xx, a
 * crash (the next answers would fail) or a hang (each call has a deadline). Meanwhile a sender keeps exporting
 * valid traces through the same receivers, before, during and after the fuzzing, and every one of them must be
 * stored. The run is seeded (FUZZ_SEED replays it; fast-check prints the seed and the shrunk case on failure).
 */

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const NOW = BigInt(Date.now()) * 1_000_000n;
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

let server: TestServer;
let grpc: RawClient;
let grpcGzip: RawClient;
/** Valid traces sent, by trace ID, with the spans each must have once stored. */
const sent = new Map<string, number>();
let validCount = 0;

beforeAll(async () => {
  server = await startServer({ listen: true });
  grpc = rawClient(server.otlpGrpcUrl, TRACES);
  grpcGzip = rawClient(server.otlpGrpcUrl, TRACES, { gzip: true });
  console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);
  for (let i = 0; i < 6; i++) await sendValid();
});
afterAll(async () => {
  printTally();
  grpc?.close();
  grpcGzip?.close();
  await server?.close();
});

// ---- valid data, through every receiver in turn ----

/** A trace of 3 spans with a fresh ID (prefixed fa11, so fuzzed payloads never share it), all attribute types. */
function validTrace(): { traceId: string; spanIds: string[] } {
  const n = ++validCount;
  return { traceId: 'fa11' + hex(n, 28), spanIds: [1, 2, 3].map((k) => hex(n * 4 + k, 16)) };
}

async function sendValid(): Promise<void> {
  const { traceId, spanIds } = validTrace();
  const kind = validCount % 4;
  let a: Answer;
  if (kind === 0) {
    const spans = spanIds.map((id, i) => ({
      traceId, spanId: id, parentSpanId: i === 0 ? '' : spanIds[0], name: `valid ${i}`, kind: 2,
      startTimeUnixNano: String(NOW + BigInt(i)), endTimeUnixNano: String(NOW + 1000n),
      attributes: [{ key: 'n', value: { intValue: String(i) } }, { key: 's', value: { stringValue: 'é' } }],
    })); // prettier-ignore
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'valid-json' } }] }, scopeSpans: [{ spans }] }] });
    a = await call(`${server.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  } else if (kind === 1) {
    const spans = spanIds.map((id) => pw.spanBody(traceId, id, NOW, NOW + 1000n, pw.attr(9, 'd', pw.double(4, 1.5))));
    a = await call(`${server.otlpUrl}/v1/traces`, { method: 'POST', body: zlib.gzipSync(pw.requestWithSpans(...spans)), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
  } else if (kind === 2) {
    const r = await grpc.call(pw.requestWithSpans(...spanIds.map((id) => pw.spanBody(traceId, id, NOW, NOW + 1000n))));
    a = r.error ? { status: 500, body: `gRPC ${r.error.code} ${r.error.details}` } : { status: 200, body: '' };
  } else {
    const zs = spanIds.map((id) => ({ traceId, id, name: 'valid', timestamp: Number(NOW / 1000n), duration: 5, localEndpoint: { serviceName: 'valid-zipkin' }, tags: { k: 'v' } }));
    a = await call(`${server.zipkinUrl}/api/v2/spans`, { method: 'POST', body: JSON.stringify(zs), headers: { 'content-type': 'application/json' } });
  }
  if (a.status >= 300) throw new Error(`a valid export (kind ${kind}) was answered ${a.status} ${a.body.slice(0, 200)}`);
  sent.set(traceId, spanIds.length);
}

/** Keeps sending valid traces until stopped: the "during" of before, during and after. */
function validSender(): () => Promise<void> {
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      await sendValid();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return async () => {
    stop = true;
    await loop;
  };
}

// ---- the valid payloads the fuzzer starts from ----

async function otlpCorpus(): Promise<{ protobuf: Buffer[]; json: Buffer[]; jsonDocs: unknown[] }> {
  const sdk = await recordRichTrace();
  const tid = '0123456789abcdef0123456789abcdef';
  // Every field and value type the decoders have a path for: kvlist, array, bytes, double, bool, events, links,
  // status, trace state, dropped counts, flags, legacy scope field 1000, an unknown field.
  const rich = pw.requestWithSpans(
    pw.spanBody(tid, '1111111111111111', NOW, NOW + 5000n,
      pw.string(3, 'k=v'), pw.hexBytes(4, '2222222222222222'), pw.varint(6, 3),
      pw.attr(9, 'kv', pw.sub(6, pw.attr(1, 'inner', pw.sub(5, pw.sub(1, pw.string(1, 'a')), pw.sub(1, pw.varint(3, -5)))))),
      pw.attr(9, 'b', pw.hexBytes(7, '00ff10')), pw.attr(9, 'd', pw.double(4, -0.5)), pw.attr(9, 't', pw.varint(2, true)),
      pw.varint(10, 2), pw.sub(11, pw.fixed64(1, NOW + 10n), pw.string(2, 'ev'), pw.attr(3, 'e', pw.string(1, 'x'))),
      pw.sub(13, pw.hexBytes(1, tid), pw.hexBytes(2, '3333333333333333'), pw.attr(4, 'l', pw.string(1, 'y'))),
      pw.sub(15, pw.string(2, 'boom'), pw.varint(3, 2)), pw.fixed32(16, 0x301), pw.string(99, 'unknown')),
  ); // prettier-ignore
  const legacy = pw.sub(1, pw.sub(1000, pw.sub(1, pw.string(1, 'old')), pw.sub(2, pw.spanBody(tid, '4444444444444444', NOW, NOW + 1n))));
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(sdk)!);
  const handJson = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }], droppedAttributesCount: 1 },
      scopeSpans: [{
        scope: { name: 'lib', version: '1', attributes: [{ key: 'a', value: { boolValue: true } }] },
        spans: [{
          traceId: tid, spanId: '5555555555555555', parentSpanId: '1111111111111111', traceState: 'x=y', name: 'hand', kind: 'SPAN_KIND_CLIENT',
          startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 9n), flags: 257,
          attributes: [
            { key: 'i', value: { intValue: '-9223372036854775808' } }, { key: 'd', value: { doubleValue: 'NaN' } },
            { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'q' }, { bytesValue: 'AAE=' }] } } },
            { key: 'kv', value: { kvlistValue: { values: [{ key: 'z', value: { doubleValue: 1e300 } }] } } },
          ],
          events: [{ timeUnixNano: String(NOW + 1n), name: 'e', attributes: [] }],
          links: [{ traceId: tid, spanId: '6666666666666666', attributes: [] }],
          status: { code: 2, message: 'bad' },
        }],
      }],
    }],
  }; // prettier-ignore
  const jsonDocs = [JSON.parse(json.toString()), handJson];
  return { protobuf: [Buffer.from(ProtobufTraceSerializer.serializeRequest(sdk)!), rich, legacy], json: [json, Buffer.from(JSON.stringify(handJson))], jsonDocs };
}

function zipkinCorpus(): { json: Buffer[]; jsonDocs: unknown[]; proto: Buffer[] } {
  const tid = 'abcdefabcdefabcdefabcdefabcdef01';
  const doc = [
    {
      traceId: tid, id: '0000000000000001', name: 'get /', kind: 'SERVER', timestamp: Number(NOW / 1000n), duration: 1500,
      localEndpoint: { serviceName: 'front', ipv4: '10.0.0.1', port: 8080 }, remoteEndpoint: { serviceName: 'b', ipv6: '::1' },
      annotations: [{ timestamp: Number(NOW / 1000n) + 1, value: 'ws' }], tags: { 'http.path': '/', error: 'x' }, shared: true, debug: false,
    },
    { traceId: tid.slice(16), id: '0000000000000002', parentId: '0000000000000001', timestamp: Number(NOW / 1000n), duration: 1, localEndpoint: { serviceName: 'back' } },
  ]; // prettier-ignore
  const proto = pw.sub(1,
    pw.hexBytes(1, tid), pw.hexBytes(2, '0000000000000001'), pw.hexBytes(3, '0000000000000091'), pw.varint(4, 2), pw.string(5, 'get /items'),
    pw.fixed64(6, NOW / 1000n), pw.varint(7, 1500), pw.sub(8, pw.string(1, 'inventory'), pw.hexBytes(2, '0a000001'), pw.varint(4, 80)),
    pw.sub(10, pw.fixed64(1, NOW / 1000n + 3n), pw.string(2, 'cs')), pw.sub(11, pw.string(1, 'http.route'), pw.string(2, '/items'))); // prettier-ignore
  return { json: [Buffer.from(JSON.stringify(doc))], jsonDocs: [doc], proto: [proto, Buffer.concat([proto, proto])] };
}

function importCorpus(json: Buffer[], zipkin: Buffer[]): Buffer[] {
  const dir = path.join(import.meta.dirname, '../fixtures/import');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => fs.readFileSync(path.join(dir, f)));
  // The Collector's file exporter: one request per line.
  const ndjson = Buffer.from(json.map((b) => b.toString().replace(/\n/g, '')).join('\n') + '\n');
  return [...files, ...json, ...zipkin, ndjson];
}

// ---- sending fuzzed bodies ----

const headers = (type: string, b: Body) => ({ 'content-type': type, ...(b.gzip ? { 'content-encoding': 'gzip' } : {}) });

async function viaGrpc(b: Body): Promise<void> {
  // grpc-js frames the message itself: the bytes are the (possibly broken) message; gzip = the client compresses it.
  let client = grpc;
  let bytes = b.bytes;
  if (b.gzip) {
    try {
      bytes = zlib.gunzipSync(b.bytes);
      client = grpcGzip;
    } catch {
      // A corrupted gzip: sent as it is, a broken message.
    }
  }
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`gRPC call hung: ${b.how}`)), 15_000).unref());
  const r = await Promise.race([client.call(bytes), timeout]);
  count('gRPC Export', r.error ? r.error.code : 0);
  if (!r.error) return;
  // INVALID_ARGUMENT (undecodable) or RESOURCE_EXHAUSTED (too big), with a message; never INTERNAL, UNKNOWN, …
  if ((r.error.code === 3 || r.error.code === 8) && r.error.details) return;
  throw new Error(`gRPC answered ${r.error.code} ${r.error.details} for ${b.how} (FUZZ_SEED=${SEED})`);
}

async function fuzz(name: string, arb: fc.Arbitrary<Body>, send: (b: Body) => Promise<void>, runs?: number): Promise<void> {
  const stop = validSender();
  try {
    await fc.assert(fc.asyncProperty(arb, send), params(runs));
  } finally {
    await stop();
  }
  // Still alive and still answering valid data, right after.
  await sendValid();
  expect(name).toBeTruthy();
}

const post = (url: string, type: string) => async (b: Body) =>
  acceptable(await call(url, { method: 'POST', body: b.bytes, headers: headers(type, b) }), `${url} ${type} ${b.how}`);

describe('fuzzing the receivers of a live server', () => {
  let otlp: Awaited<ReturnType<typeof otlpCorpus>>;
  let zipkin: ReturnType<typeof zipkinCorpus>;
  beforeAll(async () => {
    otlp = await otlpCorpus();
    zipkin = zipkinCorpus();
  });

  it('OTLP/HTTP protobuf (plain and gzip)', async () => {
    await fuzz('otlp-proto', bodies(otlp.protobuf), post(`${server.otlpUrl}/v1/traces`, 'application/x-protobuf'));
  });

  it('OTLP/HTTP JSON: bytes edited, and values replaced by any JSON', async () => {
    await fuzz('otlp-json', fc.oneof(bodies(otlp.json), jsonMutations(otlp.jsonDocs)), post(`${server.otlpUrl}/v1/traces`, 'application/json'));
  });

  it('OTLP/gRPC (raw messages, plain and gzip-compressed)', async () => {
    await fuzz('otlp-grpc', bodies(otlp.protobuf), viaGrpc);
  });

  it('Zipkin /api/v2/spans, JSON and protobuf', async () => {
    await fuzz('zipkin-json', fc.oneof(bodies(zipkin.json), jsonMutations(zipkin.jsonDocs)), post(`${server.zipkinUrl}/api/v2/spans`, 'application/json'));
    await fuzz('zipkin-proto', bodies(zipkin.proto), post(`${server.zipkinUrl}/api/v2/spans`, 'application/x-protobuf'));
  });

  it('POST /api/import (OTLP JSON, NDJSON, Jaeger UI JSON, Zipkin JSON)', async () => {
    const files = importCorpus(otlp.json, zipkin.json);
    const docs = files.flatMap((f) => {
      try {
        return [JSON.parse(f.toString())];
      } catch {
        return [];
      }
    });
    await fuzz('import', fc.oneof(bodies(files), jsonMutations(docs)), post(`${server.uiUrl}/api/import`, 'application/json'), 150);
  });

  it('content types, encodings and methods the receivers do not take are 4xx with a message', async () => {
    const arb = fc.record({
      type: fc.oneof(fc.constantFrom('', 'text/plain', 'application/x-protobuf; charset=x', 'application/json;;', 'multipart/form-data', 'application/grpc'), fc.string({ maxLength: 40 })),
      encoding: fc.constantFrom('', 'gzip', 'deflate', 'br', 'x-gzip', 'identity', 'gzip, gzip', 'zstd'),
      body: fc.uint8Array({ maxLength: 200 }),
      url: fc.constantFrom(`${server.otlpUrl}/v1/traces`, `${server.otlpUrl}/v1/metrics`, `${server.otlpUrl}/v1/logs`, `${server.zipkinUrl}/api/v2/spans`, `${server.zipkinUrl}/api/v1/spans`, `${server.uiUrl}/v1/traces`),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ type, encoding, body, url }) => {
        const h: Record<string, string> = {};
        // fetch refuses header values with control characters: such a request never leaves the client.
        if (type !== '' && /^[\x20-\x7e]*$/.test(type)) h['content-type'] = type;
        if (encoding !== '') h['content-encoding'] = encoding;
        acceptable(await call(url, { method: 'POST', body: Buffer.from(body), headers: h }), `${url} (types) ${JSON.stringify(h)}`);
      }),
      params(150),
    );
  });

  it('every valid trace sent before, during and after the fuzzing is stored, whole', async () => {
    for (let i = 0; i < 6; i++) await sendValid();
    expect(sent.size).toBeGreaterThan(12);
    const missing: string[] = [];
    for (const [traceId, count] of sent) {
      const spans = server.reader.getTrace(traceId);
      if (spans.length !== count) missing.push(`${traceId}: ${spans.length} of ${count} spans`);
    }
    expect(missing).toEqual([]);
    // …and read back through the API too, for a few.
    for (const traceId of [...sent.keys()].slice(-4)) {
      const a = await call(`${server.uiUrl}/api/traces/${traceId}`);
      expect(a.status).toBe(200);
    }
  });
});
