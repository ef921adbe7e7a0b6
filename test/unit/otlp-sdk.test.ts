import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import type { Attributes } from '../../src/model/span.js';
import { readBack } from '../fixtures/otlp-model.js';
import { expectedEnds, expectedSpan, hrToNanos, sdkSpans, sdkTyped } from '../fixtures/sdk-spans.js';

// The reference encoder is the real one the SDK exporters use: whatever it writes, we must read back.
const spans = sdkSpans();
const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);

describe.each([
  ['protobuf', () => decodeProtobufRequest(protobuf)],
  ['JSON', () => decodeJsonRequest(json)],
])('SDK-encoded request, %s', (_name, decode) => {
  const decoded = decode();
  const back = readBack(decoded, ['http.request.method', 'cache.key', 'int', 'double', 'bool.true']);
  const byId = (id: string) => back.spans.findIndex((s) => s.spanId === id);

  it('decodes every span and rejects none', () => {
    expect(spans.length).toBe(8);
    expect(decoded.rejected).toBe(0);
    expect(decoded.rejectionMessage).toBe('');
    expect(decoded.spans.map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
  });

  it.each(spans.map((s) => [s.name, s] as const))('span %s reads back as the ReadableSpan, field by field', (_n, span) => {
    expect(back.spans[byId(span.spanContext().spanId)]).toEqual(expectedSpan(span));
  });

  it.each(spans.map((s) => [s.name, s] as const))('span %s keeps its OTLP types and what ingest decided', (_n, span) => {
    const i = byId(span.spanContext().spanId);
    const typed = back.typed[i];
    expect(typed.attributes).toEqual(Object.entries(span.attributes).map(([key, v]) => ({ key, value: sdkTyped(v) })));
    expect(typed.events.map((e) => e.attributes)).toEqual(span.events.map((e) => Object.entries(e.attributes ?? {}).map(([key, v]) => ({ key, value: sdkTyped(v) }))));
    const ends = expectedEnds(span.kind + 1, span.attributes as Attributes);
    expect([typed.callee, typed.address]).toEqual([ends.callee, ends.address]);
    const meta = decoded.spans[i];
    const want = expectedSpan(span);
    expect(meta).toEqual({
      traceId: want.traceId, spanId: want.spanId, parentSpanId: want.parentSpanId, name: want.name, kind: want.kind,
      service: want.service, startTimeUnixNano: want.startTimeUnixNano, endTimeUnixNano: want.endTimeUnixNano,
      statusCode: want.statusCode, flags: want.flags, error: want.error, ...ends, chunk: meta.chunk,
    });
    expect(decoded.chunks[meta.chunk].traceId).toBe(want.traceId);
  });

  it('the light reader agrees with the full one', () => {
    back.index.forEach((ix, i) => {
      const s = back.spans[i];
      expect(ix).toMatchObject({
        spanId: s.spanId, parentSpanId: s.parentSpanId, kind: s.kind, flags: s.flags, startNs: s.startTimeUnixNano,
        endNs: s.endTimeUnixNano, error: s.error, name: s.name, statusCode: s.statusCode, callee: back.typed[i].callee,
        address: back.typed[i].address, resource: back.typed[i].resource, scope: back.typed[i].scope,
      });
    });
    const root = back.index[byId(spans.find((s) => s.name === 'GET /cart')!.spanContext().spanId)];
    expect(root.values).toEqual([['bool.true', 'true'], ['int', '42'], ['double', '3.14159'], ['http.request.method', 'GET']]);
    expect(root.eventValues).toEqual([['cache.key', 'cart:1']]);
  });

  it('covers the interesting cases (so the fixture cannot silently shrink)', () => {
    const kinds = new Set(back.spans.map((s) => s.kind));
    expect([...kinds].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(back.spans.map((s) => s.statusCode))).toEqual(new Set([0, 1, 2]));
    const limited = back.spans.find((s) => s.name === 'limited')!;
    expect([limited.droppedAttributesCount, limited.droppedEventsCount, limited.droppedLinksCount]).toEqual([6, 2, 2]);
    expect(limited.events[0].droppedAttributesCount).toBe(2);
    expect(limited.links[0].droppedAttributesCount).toBe(2);
    expect(limited.traceState).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(limited.flags).toBe(0x301);
    expect(limited.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('one chunk per trace, one dimension per distinct resource and scope', () => {
    expect(decoded.chunks.map((c) => c.traceId).sort()).toEqual([...new Set(spans.map((s) => s.spanContext().traceId))].sort());
    expect(decoded.chunks.reduce((n, c) => n + c.spanCount, 0)).toBe(8);
    const kinds = decoded.dimensions.map((d) => d.kind).sort();
    expect(kinds).toEqual(['resource', 'resource', 'scope', 'scope', 'scope']);
    expect(decoded.dimensions.filter((d) => d.kind === 'resource').map((d) => d.serviceName).sort()).toEqual(['checkout', 'unknown_service']);
    // Spans of one resource share its object when read back.
    expect(new Set(back.spans.map((s) => s.resource)).size).toBeLessThanOrEqual(decoded.chunks.length * 2);
  });

  it('keeps nanosecond times exact', () => {
    const root = back.spans.find((s) => s.name === 'GET /cart')!;
    expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(root.endTimeUnixNano).toBe(1_700_000_001_999_999_999n);
    expect(root.events[0].timeUnixNano).toBe(1_700_000_000_200_000_001n);
    expect(hrToNanos(spans.find((s) => s.name === 'GET /cart')!.startTime)).toBe(root.startTimeUnixNano);
  });
});

it('protobuf and JSON give byte-identical chunks and dimensions for the same SDK spans', () => {
  expect(decodeJsonRequest(json)).toEqual(decodeProtobufRequest(protobuf));
});
