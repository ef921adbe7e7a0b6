import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import type { TypedKeyValue } from '../../src/codec/types.js';
import { InvalidInputError } from '../../src/model/errors.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import { readBack } from '../fixtures/otlp-model.js';
import {
  attr, bytes, double, fixed32, fixed64, hexBytes, msg, requestWithSpans, spanBody, string, sub, tag, varint, varintBytes,
} from '../fixtures/proto-writer.js';
import { sdkSpans } from '../fixtures/sdk-spans.js';

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

/** A request decoded and its chunks read back (read model, typed, index). */
const decode = (buf: Buffer) => {
  const decoded = decodeProtobufRequest(buf);
  return { decoded, ...readBack(decoded) };
};

/** The only span of a request built from `attrFields` (KeyValues, field 9), read back. */
function only(...attrFields: Buffer[]) {
  const r = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, ...attrFields)));
  expect(r.spans).toHaveLength(1);
  return { span: r.spans[0], typed: r.typed[0] };
}

/** Its attributes in the read model. */
const attrsOf = (...attrFields: Buffer[]): unknown => only(...attrFields).span.attributes;
/** Its attributes with their OTLP types. */
const typedOf = (...attrFields: Buffer[]): TypedKeyValue[] => only(...attrFields).typed.attributes;

const value = (...fields: Buffer[]) => attrsOf(attr(9, 'v', ...fields)) as { v: unknown };
const typedValue = (...fields: Buffer[]) => typedOf(attr(9, 'v', ...fields))[0].value;

function expectInvalid(buf: Buffer, message: RegExp): void {
  expect(() => decodeProtobufRequest(buf)).toThrow(InvalidInputError);
  expect(() => decodeProtobufRequest(buf)).toThrow(message);
}

describe('protobuf decoder: structure and defaults', () => {
  it('an empty request has no spans', () => {
    expect(decodeProtobufRequest(Buffer.alloc(0))).toEqual({ spans: [], chunks: [], dimensions: [], rejected: 0, rejectionMessage: '' });
  });

  it('fills defaults for fields that were not sent', () => {
    const { spans, typed, decoded } = decode(requestWithSpans(msg(hexBytes(1, TID), hexBytes(2, SID))));
    expect(spans[0]).toEqual({
      traceId: TID, spanId: SID, parentSpanId: '', traceState: '', flags: 0, name: '', kind: 0, service: 'svc',
      startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: {}, droppedAttributesCount: 0, events: [],
      droppedEventsCount: 0, links: [], droppedLinksCount: 0, statusCode: 0, statusMessage: '', error: false,
      resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 },
      scope: { name: 'lib', version: '', attributes: {}, droppedAttributesCount: 0 },
    });
    expect([typed[0].callee, typed[0].address]).toEqual(['', '']);
    expect(decoded.spans[0]).toMatchObject({ traceId: TID, spanId: SID, service: 'svc', chunk: 0 });
  });

  it('reads every span field, including negative enums and a full fixed32', () => {
    const body = spanBody(TID, SID, 10n, 2n ** 63n - 1n,
      string(3, 'rojo=00f067aa0ba902b7'), hexBytes(4, 'b7ad6b7169203331'), varint(6, -1), fixed32(16, 0xffffffff),
      varint(10, 3), varint(12, 4), varint(14, 5), sub(15, varint(1, 9), string(2, 'failed'), varint(3, 2)),
      sub(11, fixed64(1, 1700000000123456789n), string(2, 'exception'), attr(3, 'exception.type', string(1, 'E')), varint(4, 1)),
      sub(13, hexBytes(1, TID), hexBytes(2, 'b7ad6b7169203331'), string(3, 'a=1'), attr(4, 'k', varint(3, 1)), varint(5, 2), fixed32(6, 0x301)),
    );
    const { spans, decoded } = decode(requestWithSpans(body));
    expect(spans[0]).toMatchObject({
      traceState: 'rojo=00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', kind: -1, flags: 0xffffffff,
      startTimeUnixNano: 10n, endTimeUnixNano: 2n ** 63n - 1n, droppedAttributesCount: 3, droppedEventsCount: 4,
      droppedLinksCount: 5, statusCode: 2, statusMessage: 'failed', error: true,
    });
    expect(spans[0].events).toEqual([
      { name: 'exception', timeUnixNano: 1700000000123456789n, attributes: { 'exception.type': 'E' }, droppedAttributesCount: 1 },
    ]);
    expect(spans[0].links).toEqual([
      { traceId: TID, spanId: 'b7ad6b7169203331', traceState: 'a=1', attributes: { k: 1 }, droppedAttributesCount: 2, flags: 0x301 },
    ]);
    expect(decoded.spans[0]).toMatchObject({ kind: -1, flags: 0xffffffff, statusCode: 2, error: true, endTimeUnixNano: 2n ** 63n - 1n });
  });

  it('keeps event times before the span and links with IDs of any length', () => {
    const body = spanBody(TID, SID, 2n ** 63n - 10n, 2n ** 63n - 5n,
      sub(11, fixed64(1, 0n), string(2, 'early')), sub(11, fixed64(1, 2n ** 64n - 1n), string(2, 'late')),
      sub(13, hexBytes(1, 'ab'), hexBytes(2, ''), varint(5, 0)));
    const { spans } = decode(requestWithSpans(body));
    expect(spans[0].events.map((e) => [e.name, e.timeUnixNano])).toEqual([['early', 0n], ['late', 2n ** 64n - 1n]]);
    expect(spans[0].links.map((l) => [l.traceId, l.spanId])).toEqual([['ab', '']]);
  });

  it('lets the last value of a repeated scalar win', () => {
    const { spans } = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, string(5, 'second'), varint(6, 2), varint(6, 3))));
    expect([spans[0].name, spans[0].kind]).toEqual(['second', 3]);
  });

  it('accepts legacy instrumentation_library_spans (field 1000) next to scope_spans', () => {
    const legacy = sub(1000, sub(1, string(1, 'old.lib'), string(2, '0.9')), sub(2, spanBody(TID, 'aaaaaaaaaaaaaaaa')));
    const current = sub(2, sub(1, string(1, 'new.lib')), sub(2, spanBody(TID, 'bbbbbbbbbbbbbbbb')));
    const { spans } = decode(sub(1, current, legacy));
    expect(spans.map((s) => [s.spanId, s.scope.name, s.scope.version])).toEqual([
      ['bbbbbbbbbbbbbbbb', 'new.lib', ''],
      ['aaaaaaaaaaaaaaaa', 'old.lib', '0.9'],
    ]);
  });

  it('shares the resource with spans decoded before it, and merges a resource sent twice', () => {
    const buf = sub(1,
      sub(2, sub(1, string(1, 'lib'), attr(3, 'scope.attr', string(1, 'x')), varint(4, 2)), sub(2, spanBody(TID, SID)), sub(2, spanBody(TID, 'aaaaaaaaaaaaaaaa'))),
      sub(1, attr(1, 'service.name', string(1, 'late')), varint(2, 7)),
      sub(1, attr(1, 'host.name', string(1, 'h'))),
    );
    const { spans, decoded } = decode(buf);
    expect(decoded.chunks).toHaveLength(1);
    expect(spans[0].resource).toBe(spans[1].resource);
    expect(spans[0].scope).toBe(spans[1].scope);
    expect(spans[0].resource).toEqual({ attributes: { 'service.name': 'late', 'host.name': 'h' }, droppedAttributesCount: 7 });
    expect(spans[0].scope).toEqual({ name: 'lib', version: '', attributes: { 'scope.attr': 'x' }, droppedAttributesCount: 2 });
    expect(decoded.spans.map((s) => s.service)).toEqual(['late', 'late']);
    expect(decoded.dimensions.map((d) => [d.kind, d.serviceName])).toEqual([['resource', 'late'], ['scope', '']]);
  });

  it('one chunk per trace, in order of first appearance, and only the dimensions a chunk references', () => {
    const other = 'aaaabbbbccccddddeeeeffff00001111';
    const buf = msg(
      sub(1, sub(1, attr(1, 'service.name', string(1, 'a'))), sub(2, sub(2, spanBody(other, SID)), sub(2, spanBody(TID, SID)), sub(2, spanBody(other, 'aaaaaaaaaaaaaaaa')))),
      sub(1, sub(1, attr(1, 'service.name', string(1, 'nobody'))), sub(2, sub(2, spanBody('01', SID)))),
    );
    const { decoded } = decode(buf);
    expect(decoded.chunks.map((c) => [c.traceId, c.spanCount])).toEqual([[other, 2], [TID, 1]]);
    expect(decoded.spans.map((s) => s.chunk)).toEqual([0, 1, 0]);
    expect(decoded.rejected).toBe(1);
    expect(decoded.dimensions.map((d) => d.serviceName)).toEqual(['a', '']);
    // The chunks of a request share one buffer, so they cross to the writer as one transfer.
    expect(decoded.chunks[0].data.buffer).toBe(decoded.chunks[1].data.buffer);
  });

  it.each([
    ['missing', sub(1)],
    ['not a string', sub(1, attr(1, 'service.name', varint(3, 5)))],
    ['a string, then overwritten by a non-string', sub(1, attr(1, 'service.name', string(1, 'a')), attr(1, 'service.name', varint(2, 1)))],
  ])('service.name %s gives unknown_service', (_name, resource) => {
    const { spans, decoded } = decode(sub(1, resource, sub(2, sub(2, spanBody(TID, SID)))));
    expect(spans[0].service).toBe('unknown_service');
    expect(decoded.spans[0].service).toBe('unknown_service');
    expect(decoded.dimensions[0].serviceName).toBe('unknown_service');
  });
});

describe('protobuf decoder: AnyValue', () => {
  it('keeps strings exactly, keys and values alike', () => {
    const tricky = 'q"b\\s/n\nr\rt\tb\bf\f\u0000\u0001\u001f\u007f é 😀 \u2028';
    expect(value(string(1, tricky)).v).toBe(tricky);
    expect(typedOf(attr(9, tricky, string(1, tricky)))).toEqual([{ key: tricky, value: { stringValue: tricky } }]);
    expect(typedOf(attr(9, '', string(1, '')))).toEqual([{ key: '', value: { stringValue: '' } }]);
  });

  it('replaces invalid UTF-8 as Buffer#toString does', () => {
    const bad = Buffer.from([0x61, 0xff, 0xe2, 0x82, 0x62]);
    expect(value(bytes(1, bad)).v).toBe(bad.toString('utf8'));
  });

  it.each([
    [0n, 0], [1n, 1], [-1n, -1], [-42n, -42], [2n ** 32n, 2 ** 32], [-(2n ** 32n), -(2 ** 32)],
    [2n ** 53n - 1n, Number.MAX_SAFE_INTEGER], [-(2n ** 53n - 1n), Number.MIN_SAFE_INTEGER],
    [2n ** 53n, '9007199254740992'], [-(2n ** 53n), '-9007199254740992'],
    [2n ** 63n - 1n, '9223372036854775807'], [-(2n ** 63n), '-9223372036854775808'],
  ])('int_value %s -> %j in the read model (exact decimal string beyond ±(2^53-1)), an exact int typed', (n, expected) => {
    expect(value(varint(3, n)).v).toBe(expected);
    expect(typedValue(varint(3, n))).toEqual({ intValue: n });
  });

  it('decodes booleans, including a true sent as a multi-byte varint', () => {
    expect(attrsOf(attr(9, 't', varint(2, true)), attr(9, 'f', varint(2, false)), attr(9, 'big', varint(2, 2n ** 40n)))).toEqual({ t: true, f: false, big: true });
  });

  it('keeps doubles as doubles; the read model spells NaN and ±Infinity as strings', () => {
    const xs = [1.5, -0, 5e-324, 1e300, NaN, Infinity, -Infinity, 2];
    const fields = xs.map((x, i) => attr(9, `d${i}`, double(4, x)));
    expect(attrsOf(...fields)).toEqual({ d0: 1.5, d1: 0, d2: 5e-324, d3: 1e300, d4: 'NaN', d5: 'Infinity', d6: '-Infinity', d7: 2 });
    const typed = typedOf(...fields).map((kv) => (kv.value as { doubleValue: number }).doubleValue);
    typed.forEach((x, i) => expect(Object.is(x, xs[i]), `d${i}`).toBe(true));
  });

  it('keeps every NaN payload', () => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(0x7ff4000000000001n);
    const field = Buffer.concat([Buffer.from([0x21]), b]);
    const { decoded } = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, attr(9, 'nan', field))));
    expect(Buffer.from(decoded.chunks[0].data).includes(b)).toBe(true);
  });

  it('keeps bytes as bytes (base64 in the read model)', () => {
    expect(value(bytes(7, Buffer.from([0xfb, 0xff, 0x00]))).v).toBe('+/8A');
    expect(value(bytes(7, Buffer.alloc(0))).v).toBe('');
    expect(typedValue(bytes(7, Buffer.from([0xfb, 0xff, 0x00])))).toEqual({ bytesValue: new Uint8Array([0xfb, 0xff, 0x00]) });
  });

  it('decodes arrays and kvlists, nested', () => {
    const inner = sub(6, attr(1, 'x', varint(3, 1)), attr(1, 'y', sub(5, sub(1, string(1, 'deep')), sub(1))));
    expect(value(sub(5, sub(1, string(1, 'a')), sub(1, varint(2, true)), sub(1, inner), sub(1), sub(1, sub(5)))).v).toEqual([
      'a', true, { x: 1, y: ['deep', null] }, null, [],
    ]);
    expect(value(sub(6)).v).toEqual({});
    expect(typedValue(sub(5, sub(1, sub(6, attr(1, 'x', double(4, 1))))))).toEqual({
      arrayValue: { values: [{ kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1 } }] } }] },
    });
  });

  it('treats an empty AnyValue, a missing value and string_value_strindex as empty', () => {
    expect(attrsOf(attr(9, 'empty'), sub(9, string(1, 'missing')), attr(9, 'idx', varint(8, 3)))).toEqual({ empty: null, missing: null, idx: null });
    expect(typedOf(attr(9, 'empty')).map((kv) => kv.value)).toEqual([{}]);
  });

  it('lets the last oneof case win, and merges a value sent twice', () => {
    expect(value(string(1, 'first'), varint(3, 2)).v).toBe(2);
    expect(value(varint(3, 2), string(1, 'last')).v).toBe('last');
    expect(attrsOf(sub(9, string(1, 'k'), sub(2, string(1, 'kept')), sub(2)))).toEqual({ k: 'kept' });
    expect(attrsOf(sub(9, string(1, 'k'), sub(2, string(1, 'a')), sub(2, varint(3, 5))))).toEqual({ k: 5 });
  });

  it('stores nothing of an overridden case, but still refuses it when malformed', () => {
    const { decoded } = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, attr(9, 'k', string(1, 'overridden-value'), varint(3, 1)))));
    expect(Buffer.from(decoded.chunks[0].data).includes(Buffer.from('overridden-value'))).toBe(false);
    expectInvalid(requestWithSpans(spanBody(TID, SID, 1n, 2n, attr(9, 'k', sub(5, tag(1, 3)), varint(3, 1)))), /unsupported wire type 3/);
  });

  it('reads a KeyValue whose value comes before its key', () => {
    expect(attrsOf(sub(9, sub(2, string(1, 'v')), string(1, 'late.key')))).toEqual({ 'late.key': 'v' });
  });

  it('keeps the first position and last value of a repeated key, with no duplicate stored', () => {
    const typed = typedOf(
      attr(9, 'a', varint(3, 1)), attr(9, 'b', varint(3, 2)), attr(9, 'a', varint(3, 3)),
      attr(9, 'kv', sub(6, attr(1, 'x', varint(3, 1)), attr(1, 'x', varint(3, 2)))),
    );
    expect(typed).toEqual([
      { key: 'a', value: { intValue: 3n } },
      { key: 'b', value: { intValue: 2n } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { intValue: 2n } }] } } },
    ]);
  });

  it('tells apart keys that differ only where the hash does not sample', () => {
    expect(attrsOf(attr(9, 'axcd', varint(3, 1)), attr(9, 'aycd', varint(3, 2)), attr(9, 'axcd', varint(3, 3)))).toEqual({ axcd: 3, aycd: 2 });
    // Keys of 40 bytes are hashed on 16 of them: these differ only in bytes 9-11 and 22-35.
    const long = (c: string) => `prefix.${c}${c}${c}.padding.${c.repeat(14)}.suffix`;
    expect(attrsOf(attr(9, long('a'), varint(3, 1)), attr(9, long('b'), varint(3, 2)), attr(9, long('a'), varint(3, 3)))).toEqual({ [long('a')]: 3, [long('b')]: 2 });
  });

  it('reads the well-known keys ingest decides on wherever they are, and any other key too', () => {
    const { typed, decoded } = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, varint(6, 3),
      attr(9, 'server.address', string(1, 'db')), attr(9, 'http.response.status_code', varint(3, 503)), attr(9, 'server.port', varint(3, 5432)))));
    expect([typed[0].callee, decoded.spans[0].callee, decoded.spans[0].error]).toEqual(['db:5432', 'db:5432', true]);
  });

  it('handles values far larger than the output buffer, then smaller ones again', () => {
    const big = 'x"y\\n'.repeat(40_000) + 'é';
    expect(value(string(1, big)).v).toBe(big);
    expect(value(string(1, 'small')).v).toBe('small');
  });

  it('refuses values nested deeper than 64 levels', () => {
    let v = string(1, 'leaf');
    for (let i = 0; i < 64; i++) v = sub(5, sub(1, v));
    expect(JSON.stringify(value(v).v)).toContain('leaf');
    expectInvalid(requestWithSpans(spanBody(TID, SID, 1n, 2n, attr(9, 'v', sub(5, sub(1, v))))), /nested deeper than 64/);
  });
});

describe('protobuf decoder: per-span validation', () => {
  it.each([
    ['a short trace_id', spanBody('01020304', SID), 'trace_id must be 16 bytes, got 4'],
    ['an all-zero trace_id', spanBody('0'.repeat(32), SID), 'trace_id must not be all zero'],
    ['a 7-byte span_id', spanBody(TID, 'aabbccddeeff00'), 'span_id must be 8 bytes, got 7'],
    ['an all-zero span_id', spanBody(TID, '0'.repeat(16)), 'span_id must not be all zero'],
    ['a 5-byte parent_span_id', spanBody(TID, SID, 1n, 2n, hexBytes(4, '0102030405')), 'parent_span_id must be empty or 8 bytes, got 5'],
    ['end before start', spanBody(TID, SID, 2000n, 1999n), 'end_time_unix_nano 1999 is before start_time_unix_nano 2000'],
    ['no IDs at all', msg(string(5, 'x')), 'span (no span_id): trace_id must be 16 bytes, got 0'],
  ])('rejects %s and keeps the valid spans', (_name, bad, reason) => {
    const good = spanBody(TID, 'aaaaaaaaaaaaaaaa');
    const { decoded, spans } = decode(requestWithSpans(good, bad, good));
    expect(decoded.spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa']);
    expect(spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa']);
    expect(decoded.rejected).toBe(1);
    expect(decoded.rejectionMessage).toContain(reason);
  });

  it('stores nothing of a rejected span, but still refuses malformed fields inside it', () => {
    const { decoded } = decode(requestWithSpans(spanBody(TID, SID), spanBody('01', SID, 1n, 2n, attr(9, 'only-in-rejected', string(1, 'v')))));
    expect(decoded.rejected).toBe(1);
    expect(Buffer.from(decoded.chunks[0].data).includes(Buffer.from('only-in-rejected'))).toBe(false);
    expectInvalid(requestWithSpans(spanBody('01', SID, 1n, 2n, attr(9, 'k', sub(5, tag(1, 4))))), /unsupported wire type 4/);
  });

  it('treats an all-zero parent_span_id as a root', () => {
    const { spans, decoded } = decode(requestWithSpans(spanBody(TID, SID, 1n, 2n, hexBytes(4, '0'.repeat(16)))));
    expect(spans[0].parentSpanId).toBe('');
    expect(decoded.spans[0].parentSpanId).toBe('');
  });

  it('accepts zero duration', () => {
    expect(decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 5n, 5n))).spans).toHaveLength(1);
  });
});

describe('protobuf decoder: malformed input', () => {
  const unknownOfEveryType = [varint(99, 123456789), fixed64(98, 1n), string(97, 'x'), fixed32(96, 7), varint(19999, -1)];

  it('skips unknown fields of every wire type in every message', () => {
    const u = unknownOfEveryType;
    const span = spanBody(TID, SID, 1n, 2n, ...u,
      sub(9, string(1, 'k'), ...u, sub(2, ...u, sub(5, ...u, sub(1, ...u, varint(3, 1))), ...u), ...u),
      sub(9, string(1, 'kv'), sub(2, sub(6, ...u, sub(1, string(1, 'x'), sub(2, string(1, 'y')), ...u)))),
      sub(11, ...u, string(2, 'e'), ...u), sub(13, ...u, hexBytes(1, TID), hexBytes(2, SID), ...u),
      sub(15, ...u, varint(3, 1), ...u));
    const buf = msg(...u, sub(1, ...u, sub(1, ...u, attr(1, 'service.name', string(1, 's')), ...u),
      sub(2, ...u, sub(1, ...u, string(1, 'lib'), ...u), sub(2, span), ...u), string(3, 'schema'), ...u));
    const [s] = decode(buf).spans;
    expect(s.attributes).toEqual({ k: [1], kv: { x: 'y' } });
    expect([s.service, s.scope.name, s.statusCode, s.events[0].name]).toEqual(['s', 'lib', 1, 'e']);
  });

  it.each([3, 4, 6, 7])('rejects wire type %i with a clear message', (wire) => {
    expectInvalid(requestWithSpans(spanBody(TID, SID, 1n, 2n, tag(50, wire))), new RegExp(`unsupported wire type ${wire} at byte \\d+ \\(Span field 50\\)`));
    expectInvalid(msg(tag(1, wire)), new RegExp(`unsupported wire type ${wire}`));
  });

  it('rejects field number 0', () => {
    expectInvalid(Buffer.from([0x02, 0x00]), /bad field tag 2 at byte 0/);
  });

  it('rejects a length past the end of the enclosing message, even if within the buffer', () => {
    expectInvalid(Buffer.from([0x0a, 0x05, 0x00]), /length 5 at byte 1 runs past the end/);
    // ResourceSpans claims 2 bytes, its resource claims 3: inside the buffer, outside the parent.
    expectInvalid(Buffer.from([0x0a, 0x02, 0x0a, 0x03, 0x00, 0x00, 0x00]), /ResourceSpans.resource/);
    expectInvalid(msg(tag(1, 2), varintBytes(2n ** 40n)), /length 1099511627776/);
  });

  it('rejects a varint longer than 10 bytes', () => {
    const eleven = Buffer.from([0x30, ...Array(10).fill(0xff), 0x01]);
    expectInvalid(requestWithSpans(msg(hexBytes(1, TID), eleven)), /varint longer than 10 bytes at byte \d+ \(Span.kind\)/);
  });

  it('names the byte and field where input is truncated', () => {
    const buf = requestWithSpans(spanBody(TID, SID));
    const nameAt = buf.indexOf(Buffer.from('op'));
    expectInvalid(buf.subarray(0, nameAt + 1), /^invalid protobuf: .*\((ExportTraceServiceRequest|ResourceSpans)\.\w+\)$/);
    const span = spanBody(TID, SID);
    expectInvalid(sub(1, sub(2, sub(2, span.subarray(0, span.length - 3)))), /truncated at byte \d+ \(Span.end_time_unix_nano\)/);
  });

  it('every prefix of a rich payload either decodes (to readable chunks) or throws InvalidInputError, quickly', () => {
    const full = Buffer.concat([Buffer.from(ProtobufTraceSerializer.serializeRequest(sdkSpans())!), varint(99, 1)]);
    let decoded = 0;
    for (let n = 0; n < full.length; n++) {
      try {
        readBack(decodeProtobufRequest(full.subarray(0, n)));
        decoded++;
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw new Error(`prefix ${n}: ${String(err)}`);
      }
    }
    expect(decoded).toBeGreaterThan(0); // at least the empty prefix and whole ResourceSpans boundaries
  });

  it('random byte mutations either decode or throw InvalidInputError', () => {
    const full = Buffer.from(ProtobufTraceSerializer.serializeRequest(sdkSpans())!);
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(full);
      for (let k = 0; k < 1 + (i % 4); k++) b[next() % b.length] = next() & 0xff;
      try {
        readBack(decodeProtobufRequest(b));
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw new Error(`mutation ${i}: ${String(err)}`);
      }
    }
  });
});
