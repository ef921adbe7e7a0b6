import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedSpanId } from '../../src/ingest/zipkin-map.js';
import * as pw from '../fixtures/proto-writer.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer({ listen: false });
});
afterEach(async () => {
  await server.close();
});

const JSON_CT = { 'content-type': 'application/json' };
const post = (body: unknown, headers: Record<string, string> = JSON_CT, url = '/api/v2/spans') =>
  server.zipkin.inject({ method: 'POST', url, payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });

const TRACE = '5af7183fb1d4cf5f4d6f2f8b8a1c0e01';
const T0 = 1_764_000_000_123_456; // µs
const zspan = (over: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  id: '00000000000000a1',
  name: 'get /items',
  kind: 'SERVER',
  timestamp: T0,
  duration: 1500,
  localEndpoint: { serviceName: 'inventory' },
  ...over,
});

async function spansOf(traceId: string): Promise<any[]> {
  const res = await getJson(server, `/api/traces/${traceId}`);
  return res.status === 200 ? res.body.spans : [];
}
function storedSpanCount(): number {
  return server.reader.services().reduce((n, s) => n + s.spanCount, 0);
}

describe('POST /api/v2/spans', () => {
  it('answers 202 after the commit, with times in ns and the kind, service and attributes mapped', async () => {
    const res = await post([
      zspan({
        tags: { 'http.route': '/items', 'http.response.status_code': '200' },
        localEndpoint: { serviceName: 'inventory', ipv4: '10.0.0.7', port: 8080 },
        annotations: [
          { timestamp: T0 + 10, value: 'wire send' },
          { timestamp: T0 + 900, value: 'cache miss' },
        ],
      }),
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    const [s] = await spansOf(TRACE);
    expect(s).toMatchObject({
      traceId: TRACE,
      spanId: '00000000000000a1',
      parentSpanId: '',
      name: 'get /items',
      kind: 'server',
      service: 'inventory',
      startTimeUnixNano: String(BigInt(T0) * 1000n),
      endTimeUnixNano: String(BigInt(T0 + 1500) * 1000n),
      durationMs: 1.5,
      status: { code: 'unset', message: '' },
      error: false,
      resource: { 'service.name': 'inventory' },
      attributes: { 'http.route': '/items', 'http.response.status_code': '200', 'network.local.address': '10.0.0.7', 'network.local.port': 8080 },
      events: [
        { name: 'wire send', timeUnixNano: String(BigInt(T0 + 10) * 1000n), attributes: {} },
        { name: 'cache miss', timeUnixNano: String(BigInt(T0 + 900) * 1000n), attributes: {} },
      ],
    });
  });

  it('left-pads 64-bit trace IDs to 32 hex digits (and takes any case)', async () => {
    expect((await post([zspan({ traceId: '463AC35C9F6413AD', id: '00F067AA0BA902B7', parentId: 'B7AD6B7169203331' })])).statusCode).toBe(202);
    const [s] = await spansOf('463ac35c9f6413ad');
    expect(s).toMatchObject({ traceId: '0000000000000000463ac35c9f6413ad', spanId: '00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331' });
  });

  it('maps the remote endpoint to peer attributes, so the call names its callee', async () => {
    await post([
      zspan({
        id: '00000000000000c1',
        parentId: '00000000000000c0', // not a root, so a call rather than an entry
        kind: 'CLIENT',
        name: 'get',
        localEndpoint: { serviceName: 'checkout' },
        remoteEndpoint: { serviceName: 'inventory', ipv6: '2001:db8::1', port: 8080 },
      }),
    ]);
    const [s] = await spansOf(TRACE);
    expect(s.attributes).toEqual({ 'peer.service': 'inventory', 'network.peer.address': '2001:db8::1', 'network.peer.port': 8080 });
    const ops = await getJson(server, '/api/services/checkout/operations');
    expect(ops.body.operations).toMatchObject([{ name: 'get', kind: 'client', role: 'call', callee: 'inventory', label: 'get → inventory' }]);
  });

  it('turns the error tag into an ERROR status (its value the message) and reads otel.status_code back', async () => {
    await post([
      zspan({ id: '00000000000000e1', tags: { error: 'true' } }),
      zspan({ id: '00000000000000e2', tags: { error: 'card declined', 'http.route': '/pay' } }),
      zspan({ id: '00000000000000e3', tags: { 'otel.status_code': 'OK' } }),
      zspan({ id: '00000000000000e4', tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' } }),
      zspan({ id: '00000000000000e5', tags: { 'otel.scope.name': 'brave', 'otel.scope.version': '6.0', 'w3c.tracestate': 'k=v' } }),
    ]);
    const byId = Object.fromEntries((await spansOf(TRACE)).map((s) => [s.spanId, s]));
    expect(byId['00000000000000e1']).toMatchObject({ status: { code: 'error', message: '' }, error: true, attributes: {} });
    expect(byId['00000000000000e2']).toMatchObject({ status: { code: 'error', message: 'card declined' }, attributes: { 'http.route': '/pay' } });
    expect(byId['00000000000000e3']).toMatchObject({ status: { code: 'ok', message: '' }, attributes: {} });
    expect(byId['00000000000000e4']).toMatchObject({ status: { code: 'error', message: 'boom' }, attributes: {} });
    expect(byId['00000000000000e5']).toMatchObject({ scope: { name: 'brave', version: '6.0' }, traceState: 'k=v', attributes: {} });
    const search = await getJson(server, `/api/traces?service=inventory`);
    expect(search.body.traces[0].errorCount).toBe(3);
  });

  it('keeps a shared server span distinct from its client span, idempotently on re-post', async () => {
    const client = zspan({ id: '00000000000000b1', parentId: '00000000000000a0', kind: 'CLIENT', name: 'get', localEndpoint: { serviceName: 'checkout' } });
    const server_ = zspan({ id: '00000000000000b1', parentId: '00000000000000a0', shared: true, localEndpoint: { serviceName: 'inventory' } });
    const child = zspan({ id: '00000000000000b2', parentId: '00000000000000b1', kind: undefined, name: 'select', localEndpoint: { serviceName: 'inventory' } });
    const batch = [client, server_, child];
    expect((await post(batch)).statusCode).toBe(202);
    expect((await post(batch)).statusCode).toBe(202); // a retry
    const newId = sharedSpanId(TRACE, '00000000000000b1');
    expect(newId).toMatch(/^[0-9a-f]{16}$/);
    expect(newId).not.toBe('00000000000000b1');
    const spans = await spansOf(TRACE);
    expect(spans.map((s) => [s.spanId, s.parentSpanId, s.service, s.kind]).sort()).toEqual(
      [
        ['00000000000000b1', '00000000000000a0', 'checkout', 'client'],
        [newId, '00000000000000b1', 'inventory', 'server'],
        ['00000000000000b2', newId, 'inventory', 'internal'],
      ].sort(),
    );
    // The server half sent alone later (another reporter) lands on the same new ID: still three spans.
    expect((await post([server_])).statusCode).toBe(202);
    expect(await spansOf(TRACE)).toHaveLength(3);
  });

  it('fills what is missing: no kind is INTERNAL, no service unknown_service, no duration ends at the start', async () => {
    await post([{ traceId: TRACE, id: '00000000000000d1', parentId: '00000000000000d1', timestamp: T0 }]);
    const [s] = await spansOf(TRACE);
    expect(s).toMatchObject({ name: '', kind: 'internal', service: 'unknown_service', durationMs: 0, attributes: {}, events: [] });
    expect(s.parentSpanId).toBe(''); // its own parent is no parent
  });

  it('rejects only a span without timestamp (a fragment) and stores the rest', async () => {
    const res = await post([zspan({ id: '00000000000000f1' }), zspan({ id: '00000000000000f2', timestamp: undefined, tags: { late: 'x' } })]);
    expect(res.statusCode).toBe(202);
    expect((await spansOf(TRACE)).map((s) => s.spanId)).toEqual(['00000000000000f1']);
  });

  it('reads gzip, a body without a type, and an empty list', async () => {
    const gz = zlib.gzipSync(JSON.stringify([zspan({ id: '0000000000000011' })]));
    expect((await post(gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).statusCode).toBe(202);
    expect((await post(JSON.stringify([zspan({ id: '0000000000000012' })]), {})).statusCode).toBe(202);
    expect((await post('[]')).statusCode).toBe(202);
    expect((await spansOf(TRACE)).map((s) => s.spanId).sort()).toEqual(['0000000000000011', '0000000000000012']);
  });

  it('reads proto3 ListOfSpans (zipkin.proto), gzip too', async () => {
    const list = pw.sub(
      1,
      pw.hexBytes(1, TRACE),
      pw.hexBytes(3, '0000000000000091'),
      pw.varint(4, 2), // SERVER
      pw.string(5, 'get /items'),
      pw.fixed64(6, BigInt(T0)),
      pw.varint(7, 1500),
      pw.sub(8, pw.string(1, 'inventory')),
      pw.sub(11, pw.string(1, 'http.route'), pw.string(2, '/items')),
    );
    const res = await post(zlib.gzipSync(list), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(202);
    const [s] = await spansOf(TRACE);
    expect(s).toMatchObject({ spanId: '0000000000000091', kind: 'server', service: 'inventory', durationMs: 1.5, attributes: { 'http.route': '/items' } });
  });
});

describe('malformed and unsupported requests', () => {
  it.each([
    ['not JSON', '[{', /invalid JSON/],
    ['not an array', { traceId: TRACE }, /body must be an array of spans, got an object/],
    ['a bad span ID', [zspan(), zspan({ id: 'xyz' })], /span 1: id must be 16 hex characters, got "xyz"/],
    ['no trace ID', [zspan({ traceId: undefined })], /span 0: traceId is required/],
    ['a 33-digit trace ID', [zspan({ traceId: 'a'.repeat(33) })], /span 0: traceId must be 16 or 32 hex characters/],
    ['an unknown kind', [zspan({ kind: 'LOCAL' })], /span 0: kind must be CLIENT, SERVER, PRODUCER or CONSUMER, got "LOCAL"/],
    ['a negative timestamp', [zspan({ timestamp: -5 })], /span 0: timestamp must be a non-negative integer/],
    ['a tag that is an object', [zspan(), zspan(), zspan({ tags: { ok: 'x', bad: { a: 1 } } })], /span 2: tags.bad must be a string, got an object/],
    ['a bad port', [zspan({ remoteEndpoint: { port: 70000 } })], /span 0: remoteEndpoint.port must be a port/],
    ['an annotation without time', [zspan({ annotations: [{ value: 'x' }] })], /span 0: annotations\[0\].timestamp is required/],
    ['a v1 span', [{ traceId: TRACE, id: '00000000000000a1', binaryAnnotations: [] }], /span 0: binaryAnnotations is Zipkin v1/],
  ])('%s: 400 naming the span and field, nothing stored', async (_name, body, message) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(message);
    expect(storedSpanCount()).toBe(0);
  });

  it('answers 415 for other types (Thrift, text) and encodings, 400 for broken gzip or protobuf', async () => {
    const body = JSON.stringify([zspan()]);
    expect((await post(body, { 'content-type': 'application/x-thrift' })).statusCode).toBe(415);
    expect((await post(body, { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await post(body, { 'content-type': 'application/json', 'content-encoding': 'br' })).statusCode).toBe(415);
    const broken = await post('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toMatch(/not valid gzip/);
    const badProto = await post(Buffer.from([0x0a, 0x7f, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(badProto.statusCode).toBe(400);
    expect(badProto.body).toMatch(/invalid protobuf/);
    expect(storedSpanCount()).toBe(0);
  });

  it('answers 413 for a body beyond 64 MiB after decompression (a gzip bomb stops at the limit)', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20));
    const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/larger than 67108864 bytes after decompression/);
  });

  it('refuses Zipkin v1 with a 400 that says what to send', async () => {
    const res = await post('[]', JSON_CT, '/api/v1/spans');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/v1 is not supported.*\/api\/v2\/spans/);
  });
});

describe('a full write queue', () => {
  it('answers 503 with Retry-After, and commits what it accepted', async () => {
    await server.close();
    server = await startServer({ listen: false, queueSpans: 1 });
    const one = (i: number) => [zspan({ id: (i + 1).toString(16).padStart(16, '0') })];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(one(i))));
    const codes = results.map((r) => r.statusCode);
    expect(codes).toContain(503);
    expect(codes.every((c) => c === 202 || c === 503)).toBe(true);
    const refused = results.find((r) => r.statusCode === 503)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatch(/queue is full/);
    expect(storedSpanCount()).toBe(codes.filter((c) => c === 202).length);
  });
});
