import { describe, expect, it } from 'vitest';
import { toOtlpProto, toTraceByIdResponse } from '../../src/format/otlp-proto.js';
import type { TypedSpan, TypedTrace, TypedValue } from '../../src/model/typed.js';
import { otlpJsonOf, TraceByIDResponse, TracesData } from '../fixtures/tempo-proto.js';

/** The protobuf encoder's wire facts (reference §2.1), byte for byte, and long messages' length prefixes. */

function trace(attributes: Array<[string, TypedValue]>, extra: Partial<TypedSpan> = {}): TypedTrace {
  const span: TypedSpan = {
    traceId: '0102030405060708090a0b0c0d0e0f10', spanId: 'a1a2a3a4a5a6a7a8', parentSpanId: '', traceState: '', flags: 0, name: 'x', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: attributes.map(([key, value]) => ({ key, value })), droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, statusCode: 0, statusMessage: '', error: false, callee: '', address: '',
    resource: 'r', scope: 's', ...extra,
  }; // prettier-ignore
  return {
    spans: [span],
    resources: new Map([['r', { kind: 'resource', attributes: [], droppedAttributesCount: 0 }]]),
    scopes: new Map([['s', { kind: 'scope', name: '', version: '', attributes: [], droppedAttributesCount: 0 }]]),
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('toOtlpProto', () => {
  it('AnyValue: a negative int is a 10-byte varint, a double an I64 (1.0 stays a double), bool a varint, bytes LEN', () => {
    const out = hex(toOtlpProto(trace([['i', { intValue: -1n }], ['d', { doubleValue: 1 }], ['b', { boolValue: true }], ['y', { bytesValue: new Uint8Array([0, 255]) }], ['s', { stringValue: '' }]])));
    expect(out).toContain('0a0169' + '120b' + '18ffffffffffffffffff01'); // key "i", value (11 bytes): field 3 varint
    expect(out).toContain('0a0164' + '1209' + '21000000000000f03f'); // key "d", value: field 4 I64 = 1.0
    expect(out).toContain('0a0162' + '1202' + '1001'); // key "b", value: field 2 varint 1
    expect(out).toContain('0a0179' + '1204' + '3a0200ff'); // key "y", value: field 7 LEN
    expect(out).toContain('0a0173' + '1202' + '0a00'); // key "s": an empty string is still the oneof's case
  });

  it('times fixed64, flags fixed32 (field 16), IDs as bytes, kind a varint', () => {
    const out = hex(toOtlpProto(trace([], { startTimeUnixNano: 1n, endTimeUnixNano: 2n, flags: 0x301, kind: 2, parentSpanId: 'b1b2b3b4b5b6b7b8' })));
    expect(out).toContain('0a100102030405060708090a0b0c0d0e0f10'); // trace_id, 16 bytes
    expect(out).toContain('1208a1a2a3a4a5a6a7a8'); // span_id
    expect(out).toContain('2208b1b2b3b4b5b6b7b8'); // parent_span_id
    expect(out).toContain('2a0178' + '3002'); // name "x", kind SERVER (2)
    expect(out).toContain('390100000000000000' + '410200000000000000'); // start, end: I64
    expect(out).toContain('850101030000'); // tag (16 << 3 | 5) = 0x85 0x01, then 4 bytes LE
  });

  it('messages longer than 127 and 16,383 bytes get 2- and 3-byte length prefixes, and decode', () => {
    for (const n of [200, 20_000, 3_000_000]) {
      const bytes = toOtlpProto(trace([['long', { stringValue: 'z'.repeat(n) }]]));
      const decoded = otlpJsonOf(TracesData, bytes);
      expect(decoded.resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.stringValue).toHaveLength(n);
    }
  });

  it("TraceByIDResponse wraps the same bytes as field 1; status and message only when set", () => {
    const t = trace([['k', { stringValue: 'v' }]]);
    const inner = toOtlpProto(t);
    const wrapped = toTraceByIdResponse(t);
    expect(hex(wrapped)).toBe(`0a${Buffer.from([inner.length]).toString('hex')}${hex(inner)}`);
    expect(otlpJsonOf(TraceByIDResponse, toTraceByIdResponse(t, 1, 'cut'))).toMatchObject({ status: 1, message: 'cut' });
  });
});
