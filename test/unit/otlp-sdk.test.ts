import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import { expectedRecord, parseRecord, sdkSpans } from '../fixtures/sdk-spans.js';

// The reference encoder is the real one the SDK exporters use: whatever it writes, we must read back.
const spans = sdkSpans();
const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);

describe.each([
  ['protobuf', () => decodeProtobufRequest(protobuf)],
  ['JSON', () => decodeJsonRequest(json)],
])('SDK-encoded request, %s', (_name, decode) => {
  const decoded = decode();

  it('decodes every span and rejects none', () => {
    expect(spans.length).toBe(8);
    expect(decoded.rejected).toBe(0);
    expect(decoded.rejectionMessage).toBe('');
    expect(decoded.spans.map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
  });

  it.each(spans.map((s) => [s.name, s] as const))('span %s matches the ReadableSpan field by field', (_n, span) => {
    const record = decoded.spans.find((r) => r.spanId === span.spanContext().spanId)!;
    expect(parseRecord(record)).toEqual(expectedRecord(span));
  });

  it('covers the interesting cases (so the fixture cannot silently shrink)', () => {
    const kinds = new Set(decoded.spans.map((s) => s.kind));
    expect([...kinds].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(decoded.spans.map((s) => s.statusCode))).toEqual(new Set([0, 1, 2]));
    const limited = decoded.spans.find((s) => s.name === 'limited')!;
    expect([limited.droppedAttributesCount, limited.droppedEventsCount, limited.droppedLinksCount]).toEqual([6, 2, 2]);
    expect(JSON.parse(limited.events)[0].droppedAttributesCount).toBe(2);
    expect(JSON.parse(limited.links)[0].droppedAttributesCount).toBe(2);
    expect(limited.traceState).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(limited.flags).toBe(0x301);
    expect(limited.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('shares one resource object per ResourceSpans and one scope object per ScopeSpans', () => {
    const resources = new Set(decoded.spans.map((s) => s.resource));
    const scopes = new Set(decoded.spans.map((s) => s.scope));
    expect(resources.size).toBe(2);
    expect(scopes.size).toBe(3);
    expect([...resources].map((r) => r.serviceName).sort()).toEqual(['checkout', 'unknown_service']);
  });

  it('keeps nanosecond times exact', () => {
    const root = decoded.spans.find((s) => s.name === 'GET /cart')!;
    expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(root.endTimeUnixNano).toBe(1_700_000_001_999_999_999n);
    expect(JSON.parse(root.events)[0].timeUnixNano).toBe('1700000000200000001');
  });
});

it('protobuf and JSON give identical records for the same SDK spans', () => {
  const byId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
  expect(decodeJsonRequest(json).spans.sort(byId)).toEqual(decodeProtobufRequest(protobuf).spans.sort(byId));
});
