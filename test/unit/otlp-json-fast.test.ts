import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import type { DecodedRequest } from '../../src/codec/types.js';
import { decodeJsonFast } from '../../src/ingest/json-fast.js';
import { decodeJsonGeneral, decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { TRACE_JSON } from '../fixtures/otlp-examples.js';
import { sdkSpans } from '../fixtures/sdk-spans.js';
// @ts-expect-error -- plain JS, no types
import { makeRequests } from '../../bench/workload.js';

/**
 * The JSON fast path (json-fast.ts) is only a speed-up: whenever it answers, it answers exactly what the general
 * decoder does, and it leaves everything else (and everything wrong) to it.
 */

/** The fast path's answer, checked against the general decoder's (or its error). */
function agrees(text: string | Buffer): DecodedRequest | undefined {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const fast = decodeJsonFast(buf);
  let general: DecodedRequest;
  try {
    general = decodeJsonGeneral(buf);
  } catch (err) {
    expect(fast, `fast path accepted what the general decoder refuses: ${String(err)}`).toBeUndefined();
    return undefined;
  }
  if (fast !== undefined) expect(fast).toEqual(general);
  return fast;
}

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';
const req = (span: object, extra: object = {}) =>
  JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'lib' }, spans: [{ traceId: TID, spanId: SID, startTimeUnixNano: '1', endTimeUnixNano: '2', ...span }] }] }], ...extra });

describe('JSON fast path', () => {
  it('takes what the SDK serializers write, realistic and light, and the SDK fixture', () => {
    const bodies = [
      ...(makeRequests('realistic', 2) as Array<{ json: { buf: Buffer } }>),
      ...(makeRequests('light', 1) as Array<{ json: { buf: Buffer } }>),
    ].map((r) => r.json.buf);
    bodies.push(Buffer.from(JsonTraceSerializer.serializeRequest(sdkSpans())!));
    for (const body of bodies) expect(agrees(body)).toBeDefined();
  });

  it.each([
    ['pretty-printed', TRACE_JSON.replace(/"5B8E[^"]*"/g, `"${TID}"`).replace(/"EEE19B7EC3C1B174"/, `"${SID}"`).replace(/"EEE19B7EC3C1B173"/, '"eee19b7ec3c1b173"')],
    ['escapes in keys and values', req({ name: 'a\\"b', attributes: [{ key: 'k\\n', value: { stringValue: '\\u00e9\\ud83d\\ude00\\t' } }] })],
    ['escapes in event names', req({ events: [{ name: 'e\\u0001', timeUnixNano: '5' }] })],
    ['non-ASCII text', req({ name: 'ключ 😀', attributes: [{ key: 'é', value: { stringValue: '中文' } }] })],
    ['unknown members everywhere', req({ x: { y: [1, true, null, 'z', { w: -1.5e3 }] }, status: { code: 2, deprecatedCode: 1 } }, { extra: [] })],
    ['members in another order', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ endTimeUnixNano: '9', startTimeUnixNano: '3', spanId: SID, traceId: TID, kind: 3, flags: 1, events: [], links: [{ spanId: SID, traceId: TID }] }] }] }] })],
    ['every value type but bytes', req({ attributes: [
      { key: 'i', value: { intValue: -42 } }, { key: 'is', value: { intValue: '7' } }, { key: 'd', value: { doubleValue: 2 } }, { key: 'b', value: { boolValue: false } },
      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, {}, { arrayValue: {} }] } } }, { key: 'kv', value: { kvlistValue: { values: [{ key: 'n', value: {} }, { key: 'n' }] } } },
      { key: 'e', value: {} }, { key: 'many', value: { arrayValue: { values: Array.from({ length: 300 }, (_, i) => ({ intValue: i })) } } },
    ] })],
    ['more than 127 attributes, events and links', req({
      attributes: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } })),
      events: Array.from({ length: 130 }, (_, i) => ({ name: `e${i}`, timeUnixNano: String(i) })),
      links: Array.from({ length: 129 }, () => ({ traceId: TID, spanId: SID })),
    })],
    ['late dropped counts that are 0', req({ attributes: [], events: [], links: [], droppedAttributesCount: 0, droppedEventsCount: 0 })],
    // Span times end at 2^63−1 (what SQLite's INTEGER stores; beyond, the span is rejected: ingest/validate.ts), event times anywhere.
    ['times across the whole range', req({ startTimeUnixNano: '0', endTimeUnixNano: '9223372036854775807', events: [{ timeUnixNano: '18446744073709551615' }] })],
  ])('takes %s', (_name, text) => {
    expect(agrees(text)).toBeDefined();
  });

  it.each([
    ['snake_case keys', req({ trace_state: 'x' })],
    ['uppercase hex IDs', req({ spanId: SID.toUpperCase() })],
    ['an uppercase trace ID', req({ traceId: TID.toUpperCase() })],
    ['an uppercase trace ID after a valid span of another trace', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
      { traceId: '1'.repeat(32), spanId: SID, startTimeUnixNano: '1', endTimeUnixNano: '2' },
      { traceId: 'A'.repeat(32), spanId: SID, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] })],
    ['an all-zero trace ID', req({ traceId: '0'.repeat(32) })],
    ['an all-zero span ID', req({ spanId: '0'.repeat(16) })],
    ['base64 IDs', req({ spanId: Buffer.from(SID, 'hex').toString('base64') })],
    ['times as numbers', req({ startTimeUnixNano: 1 })],
    ['enum names', req({ kind: 'SPAN_KIND_SERVER' })],
    ['a key sent twice', req({ name: 'a' }).replace('"name":"a"', '"name":"a","name":"b"')],
    ['a value before its key', req({ attributes: [{ value: { stringValue: 'v' }, key: 'k' }] })],
    ['two cases in one AnyValue', req({ attributes: [{ key: 'k', value: { stringValue: 'v', intValue: 1 } }] })],
    ['bytes', req({ attributes: [{ key: 'k', value: { bytesValue: 'AAE=' } }] })],
    ['NaN as a string', req({ attributes: [{ key: 'k', value: { doubleValue: 'NaN' } }] })],
    ['a big int', req({ attributes: [{ key: 'k', value: { intValue: '9223372036854775807' } }] })],
    ['null fields', req({ name: null })],
    ['attributes before the IDs', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [], traceId: TID, spanId: SID, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] })],
    ['a late dropped count', req({ events: [], droppedAttributesCount: 1 })],
    ['a span to reject', req({ traceId: '00' })],
    ['legacy instrumentationLibrarySpans', JSON.stringify({ resourceSpans: [{ instrumentationLibrarySpans: [] }] })],
    ['a byte-order mark', '\ufeff' + req({})],
    ['an empty body', ''],
    ['invalid UTF-8', Buffer.concat([Buffer.from(req({ name: 'x' }).split('"x"')[0] + '"'), Buffer.from([0xff]), Buffer.from('"' + req({ name: 'x' }).split('"x"')[1])])],
    ['invalid JSON', req({}).slice(0, -1)],
    ['a raw control character in a string', req({ name: 'a_b' }).replace('a_b', 'a\u0001b')],
    ['trailing garbage', req({}) + 'x'],
  ])('leaves %s to the general decoder', (_name, text) => {
    expect(decodeJsonFast(typeof text === 'string' ? Buffer.from(text) : text)).toBeUndefined();
    agrees(text);
  });

  it('random byte changes: never an answer the general decoder would not give', () => {
    const base = Buffer.from(JsonTraceSerializer.serializeRequest(sdkSpans())!);
    let seed = 3;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const alphabet = Buffer.from('{}[]":,0123456789-.eE \\ntrufalsnbcdxyz_A');
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 1 + (i % 3); k++) b[next() % b.length] = alphabet[next() % alphabet.length];
      if (agrees(b) !== undefined) answered++;
    }
    expect(answered).toBeGreaterThan(100);
  });

  it('decodeJsonRequest is the fast path, else the general decoder', () => {
    const text = req({ kind: 'SPAN_KIND_CLIENT' });
    expect(decodeJsonRequest(text)).toEqual(decodeJsonGeneral(text));
    expect(decodeJsonRequest(req({}))).toEqual(decodeJsonGeneral(req({})));
  });
});
