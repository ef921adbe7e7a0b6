import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/model/errors.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import {
  attr, bytes, double, fixed32, fixed64, hexBytes, msg, requestWithSpans, spanBody, string, sub, tag, varint, varintBytes,
} from '../fixtures/proto-writer.js';
import { sdkSpans } from '../fixtures/sdk-spans.js';

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

/** The attributes of the only span of a request built from `attrFields` (KeyValues, field 9). */
function attrsOf(...attrFields: Buffer[]): unknown {
  const { spans } = decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 1n, 2n, ...attrFields)));
  expect(spans).toHaveLength(1);
  return JSON.parse(spans[0].attributes);
}

const value = (...fields: Buffer[]) => attrsOf(attr(9, 'v', ...fields)) as { v: unknown };

function expectInvalid(buf: Buffer, message: RegExp): void {
  expect(() => decodeProtobufRequest(buf)).toThrow(InvalidInputError);
  expect(() => decodeProtobufRequest(buf)).toThrow(message);
}

describe('protobuf decoder: structure and defaults', () => {
  it('an empty request has no spans', () => {
    expect(decodeProtobufRequest(Buffer.alloc(0))).toEqual({ spans: [], rejected: 0, rejectionMessage: '' });
  });

  it('fills defaults for fields that were not sent', () => {
    const [s] = decodeProtobufRequest(requestWithSpans(msg(hexBytes(1, TID), hexBytes(2, SID)))).spans;
    expect(s).toMatchObject({
      traceId: TID, spanId: SID, parentSpanId: '', traceState: '', flags: 0, name: '', kind: 0,
      startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: '{}', droppedAttributesCount: 0, events: '[]',
      droppedEventsCount: 0, links: '[]', droppedLinksCount: 0, statusCode: 0, statusMessage: '',
    });
    expect(s.resource).toEqual({ serviceName: 'svc', attributes: '{"service.name":"svc"}', droppedAttributesCount: 0 });
    expect(s.scope).toEqual({ name: 'lib', version: '', attributes: '{}', droppedAttributesCount: 0 });
  });

  it('reads every span field, including negative enums and a full fixed32', () => {
    const body = spanBody(TID, SID, 10n, 2n ** 64n - 1n,
      string(3, 'rojo=00f067aa0ba902b7'), hexBytes(4, 'b7ad6b7169203331'), varint(6, -1), fixed32(16, 0xffffffff),
      varint(10, 3), varint(12, 4), varint(14, 5), sub(15, varint(1, 9), string(2, 'failed'), varint(3, 2)),
      sub(11, fixed64(1, 1700000000123456789n), string(2, 'exception'), attr(3, 'exception.type', string(1, 'E')), varint(4, 1)),
      sub(13, hexBytes(1, TID), hexBytes(2, 'b7ad6b7169203331'), string(3, 'a=1'), attr(4, 'k', varint(3, 1)), varint(5, 2), fixed32(6, 0x301)),
    );
    const [s] = decodeProtobufRequest(requestWithSpans(body)).spans;
    expect(s).toMatchObject({
      traceState: 'rojo=00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', kind: -1, flags: 0xffffffff,
      startTimeUnixNano: 10n, endTimeUnixNano: 2n ** 64n - 1n, droppedAttributesCount: 3, droppedEventsCount: 4,
      droppedLinksCount: 5, statusCode: 2, statusMessage: 'failed',
    });
    expect(JSON.parse(s.events)).toEqual([
      { name: 'exception', timeUnixNano: '1700000000123456789', attributes: { 'exception.type': 'E' }, droppedAttributesCount: 1 },
    ]);
    expect(JSON.parse(s.links)).toEqual([
      { traceId: TID, spanId: 'b7ad6b7169203331', traceState: 'a=1', attributes: { k: 1 }, droppedAttributesCount: 2, flags: 0x301 },
    ]);
  });

  it('lets the last value of a repeated scalar win', () => {
    const [s] = decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 1n, 2n, string(5, 'second'), varint(6, 2), varint(6, 3)))).spans;
    expect([s.name, s.kind]).toEqual(['second', 3]);
  });

  it('accepts legacy instrumentation_library_spans (field 1000) next to scope_spans', () => {
    const legacy = sub(1000, sub(1, string(1, 'old.lib'), string(2, '0.9')), sub(2, spanBody(TID, 'aaaaaaaaaaaaaaaa')));
    const current = sub(2, sub(1, string(1, 'new.lib')), sub(2, spanBody(TID, 'bbbbbbbbbbbbbbbb')));
    const { spans } = decodeProtobufRequest(sub(1, current, legacy));
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
    const { spans } = decodeProtobufRequest(buf);
    expect(spans[0].resource).toBe(spans[1].resource);
    expect(spans[0].scope).toBe(spans[1].scope);
    expect(spans[0].resource).toEqual({ serviceName: 'late', attributes: '{"service.name":"late","host.name":"h"}', droppedAttributesCount: 7 });
    expect(spans[0].scope).toEqual({ name: 'lib', version: '', attributes: '{"scope.attr":"x"}', droppedAttributesCount: 2 });
  });

  it.each([
    ['missing', sub(1)],
    ['not a string', sub(1, attr(1, 'service.name', varint(3, 5)))],
    ['a string, then overwritten by a non-string', sub(1, attr(1, 'service.name', string(1, 'a')), attr(1, 'service.name', varint(2, 1)))],
  ])('service.name %s gives unknown_service', (_name, resource) => {
    const { spans } = decodeProtobufRequest(sub(1, resource, sub(2, sub(2, spanBody(TID, SID)))));
    expect(spans[0].resource.serviceName).toBe('unknown_service');
  });
});

describe('protobuf decoder: AnyValue', () => {
  it('decodes strings, escaping exactly as JSON.stringify does', () => {
    const tricky = 'q"b\\s/n\nr\rt\tb\bf\f\u0000\u0001\u001f\u007f é 😀 \u2028';
    expect(value(string(1, tricky)).v).toBe(tricky);
    const [s] = decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 1n, 2n, attr(9, tricky, string(1, tricky))))).spans;
    expect(s.attributes).toBe(`{${JSON.stringify(tricky)}:${JSON.stringify(tricky)}}`);
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
  ])('int_value %s -> %j (exact decimal string beyond ±(2^53-1))', (n, expected) => {
    expect(value(varint(3, n)).v).toBe(expected);
  });

  it('decodes booleans, including a true sent as a multi-byte varint', () => {
    expect(attrsOf(attr(9, 't', varint(2, true)), attr(9, 'f', varint(2, false)), attr(9, 'big', varint(2, 2n ** 40n)))).toEqual({ t: true, f: false, big: true });
  });

  it('decodes doubles; NaN and ±Infinity become strings', () => {
    expect(attrsOf(...[1.5, -0, 5e-324, 1e300, NaN, Infinity, -Infinity].map((x, i) => attr(9, `d${i}`, double(4, x))))).toEqual({
      d0: 1.5, d1: 0, d2: 5e-324, d3: 1e300, d4: 'NaN', d5: 'Infinity', d6: '-Infinity',
    });
  });

  it('decodes bytes as standard base64', () => {
    expect(value(bytes(7, Buffer.from([0xfb, 0xff, 0x00]))).v).toBe('+/8A');
    expect(value(bytes(7, Buffer.alloc(0))).v).toBe('');
  });

  it('decodes arrays and kvlists, nested', () => {
    const inner = sub(6, attr(1, 'x', varint(3, 1)), attr(1, 'y', sub(5, sub(1, string(1, 'deep')), sub(1))));
    expect(value(sub(5, sub(1, string(1, 'a')), sub(1, varint(2, true)), sub(1, inner), sub(1), sub(1, sub(5)))).v).toEqual([
      'a', true, { x: 1, y: ['deep', null] }, null, [],
    ]);
    expect(value(sub(6)).v).toEqual({});
  });

  it('treats an empty AnyValue, a missing value and string_value_strindex as null', () => {
    expect(attrsOf(attr(9, 'empty'), sub(9, string(1, 'missing')), attr(9, 'idx', varint(8, 3)))).toEqual({ empty: null, missing: null, idx: null });
  });

  it('lets the last oneof case win, and merges a value sent twice', () => {
    expect(value(string(1, 'first'), varint(3, 2)).v).toBe(2);
    expect(value(varint(3, 2), string(1, 'last')).v).toBe('last');
    expect(attrsOf(sub(9, string(1, 'k'), sub(2, string(1, 'kept')), sub(2)))).toEqual({ k: 'kept' });
    expect(attrsOf(sub(9, string(1, 'k'), sub(2, string(1, 'a')), sub(2, varint(3, 5))))).toEqual({ k: 5 });
  });

  it('reads a KeyValue whose value comes before its key', () => {
    expect(attrsOf(sub(9, sub(2, string(1, 'v')), string(1, 'late.key')))).toEqual({ 'late.key': 'v' });
  });

  it('keeps the first position and last value of a repeated key, with no duplicate in the text', () => {
    const [s] = decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 1n, 2n,
      attr(9, 'a', varint(3, 1)), attr(9, 'b', varint(3, 2)), attr(9, 'a', varint(3, 3)),
      attr(9, 'kv', sub(6, attr(1, 'x', varint(3, 1)), attr(1, 'x', varint(3, 2)))),
    ))).spans;
    expect(s.attributes).toBe('{"a":3,"b":2,"kv":{"x":2}}');
  });

  it('tells apart keys that differ only where the repeat check does not sample', () => {
    expect(attrsOf(attr(9, 'axcd', varint(3, 1)), attr(9, 'aycd', varint(3, 2)), attr(9, 'axcd', varint(3, 3)))).toEqual({ axcd: 3, aycd: 2 });
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
    const result = decodeProtobufRequest(requestWithSpans(good, bad, good));
    expect(result.spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa']);
    expect(result.rejected).toBe(1);
    expect(result.rejectionMessage).toContain(reason);
  });

  it('treats an all-zero parent_span_id as a root', () => {
    const [s] = decodeProtobufRequest(requestWithSpans(spanBody(TID, SID, 1n, 2n, hexBytes(4, '0'.repeat(16))))).spans;
    expect(s.parentSpanId).toBe('');
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
    const [s] = decodeProtobufRequest(buf).spans;
    expect(JSON.parse(s.attributes)).toEqual({ k: [1], kv: { x: 'y' } });
    expect([s.resource.serviceName, s.scope.name, s.statusCode, JSON.parse(s.events)[0].name]).toEqual(['s', 'lib', 1, 'e']);
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

  it('every prefix of a rich payload either decodes or throws InvalidInputError, quickly', () => {
    const full = Buffer.concat([Buffer.from(ProtobufTraceSerializer.serializeRequest(sdkSpans())!), varint(99, 1)]);
    let decoded = 0;
    for (let n = 0; n < full.length; n++) {
      try {
        decodeProtobufRequest(full.subarray(0, n));
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
        decodeProtobufRequest(b);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw new Error(`mutation ${i}: ${String(err)}`);
      }
    }
  });
});
