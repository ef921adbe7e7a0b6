import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { exportResponseJson, exportResponseProtobuf, statusJson, statusProtobuf } from '../../src/ingest/otlp-response.js';

/** Hand decoder for flat messages: field number -> list of values (varints as bigint, LEN as Buffer). */
function fields(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let p = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (p < buf.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    let value: bigint | Buffer;
    if ((tag & 7) === 0) value = varint();
    else if ((tag & 7) === 2) {
      const n = Number(varint());
      value = buf.subarray(p, p + n);
      p += n;
    } else throw new Error(`unexpected wire type ${tag & 7}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  expect(p).toBe(buf.length);
  return out;
}

describe('ExportTraceServiceResponse', () => {
  it('is empty on full success (partial_success unset)', () => {
    expect(exportResponseProtobuf(0, '')).toEqual(Buffer.alloc(0));
    expect(exportResponseJson(0, '')).toBe('{}');
    expect(ProtobufTraceSerializer.deserializeResponse(exportResponseProtobuf(0, ''))).toEqual({});
  });

  it('carries rejected spans and the message, as the OTel JS exporter reads them', () => {
    const pb = exportResponseProtobuf(3, 'span ab: trace_id must be 16 bytes, got 4 ✓');
    expect(ProtobufTraceSerializer.deserializeResponse(pb)).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: 'span ab: trace_id must be 16 bytes, got 4 ✓' },
    });
    const partial = fields(fields(pb).get(1)![0] as Buffer);
    expect(partial.get(1)).toEqual([3n]);
    expect((partial.get(2)![0] as Buffer).toString()).toBe('span ab: trace_id must be 16 bytes, got 4 ✓');

    const json = exportResponseJson(3, 'bad "span"');
    expect(json).toBe('{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \\"span\\""}}');
    expect(JsonTraceSerializer.deserializeResponse(Buffer.from(json))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad "span"' },
    });
  });

  it('handles a large count and a warning with nothing rejected', () => {
    expect(ProtobufTraceSerializer.deserializeResponse(exportResponseProtobuf(300_000, ''))).toEqual({ partialSuccess: { rejectedSpans: 300_000 } });
    expect(ProtobufTraceSerializer.deserializeResponse(exportResponseProtobuf(0, 'warning'))).toEqual({ partialSuccess: { errorMessage: 'warning' } });
    expect(JSON.parse(exportResponseJson(0, 'warning'))).toEqual({ partialSuccess: { errorMessage: 'warning' } });
  });
});

describe('google.rpc.Status', () => {
  it('encodes code (1) and message (2) in protobuf', () => {
    const f = fields(statusProtobuf(3, 'invalid protobuf: truncated at byte 12 (Span.name)'));
    expect(f.get(1)).toEqual([3n]);
    expect((f.get(2)![0] as Buffer).toString()).toBe('invalid protobuf: truncated at byte 12 (Span.name)');
    expect(f.has(3)).toBe(false);
  });

  it('omits defaults, and writes a negative code as a 10-byte varint', () => {
    expect(statusProtobuf(0, '')).toEqual(Buffer.alloc(0));
    const neg = statusProtobuf(-1, '');
    expect(neg).toHaveLength(11);
    expect(BigInt.asIntN(64, fields(neg).get(1)![0] as bigint)).toBe(-1n);
  });

  it('is {"code":…,"message":…} in JSON', () => {
    expect(JSON.parse(statusJson(14, 'queue full "now"'))).toEqual({ code: 14, message: 'queue full "now"' });
  });
});
