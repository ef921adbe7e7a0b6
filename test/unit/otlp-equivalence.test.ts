import { describe, expect, it } from 'vitest';
import { readDimensionTyped } from '../../src/codec/index.js';
import { decodeJsonFast } from '../../src/ingest/json-fast.js';
import { decodeJsonRequest } from '../../src/ingest/otlp-json.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import { spanFailed } from '../../src/model/failure.js';
import type { Attributes, Span } from '../../src/model/span.js';
import {
  expectedAttrs,
  expectedTypedAttrs,
  type JsonStyle,
  readBack,
  type TAttr,
  type TResource,
  type TSpan,
  type TValue,
  toJson,
  toProtobuf,
} from '../fixtures/otlp-model.js';
import { expectedEnds } from '../fixtures/sdk-spans.js';

/** Deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const hex = (bytes: number) => {
    let s = '';
    for (let i = 0; i < bytes; i++) s += int(256).toString(16).padStart(2, '0');
    return /^0+$/.test(s) ? '01' + s.slice(2) : s;
  };
  const u64 = () => (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32));
  return { next, int, pick, hex, u64 };
}
type Rng = ReturnType<typeof rng>;

const STRINGS = ['', 'GET', 'a "quoted" \\ path', 'line\nbreak\ttab\u0001\u001f', 'héllo wörld', '😀 emoji', '\u2028\u2029', 'x'.repeat(200)];
const KEYS = ['a', 'b', 'http.route', 'key "q"', 'ключ', '', '1', '__proto__', 'k\u0000'];
const INTS = [0n, 1n, -1n, 42n, -42n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 1700000000123456789n];
const DOUBLES = [0.5, -2.25, 1e300, 5e-324, -0, NaN, Infinity, -Infinity, 3.141592653589793, 1e21, 123];

function value(r: Rng, depth: number): TValue {
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0: return { s: r.pick(STRINGS) };
    case 1: return { b: r.next() < 0.5 };
    case 2: return { i: r.next() < 0.5 ? r.pick(INTS) : BigInt(r.int(2 ** 31) - 2 ** 30) };
    case 3: return { d: r.pick(DOUBLES) };
    case 4: return { bytes: Buffer.from(Array.from({ length: r.int(9) }, () => r.int(256))) };
    case 5: return { none: true };
    case 6: return { arr: Array.from({ length: r.int(4) }, () => value(r, depth + 1)) };
    default: return { kv: attrs(r, depth + 1, 3) };
  }
}

function attrs(r: Rng, depth: number, max: number): TAttr[] {
  return Array.from({ length: r.int(max + 1) }, () => [r.pick(KEYS), value(r, depth)] as TAttr);
}

function span(r: Rng): TSpan {
  const start = r.u64() >> 1n;
  return {
    traceId: r.hex(16), spanId: r.hex(8), parentSpanId: r.next() < 0.3 ? '' : r.hex(8),
    traceState: r.next() < 0.7 ? '' : 'k=v,vendor=x', flags: r.next() < 0.5 ? 0 : r.int(2 ** 32), name: r.pick(STRINGS),
    kind: r.int(6), start, end: start + BigInt(r.int(2 ** 31)), attrs: attrs(r, 0, 6), droppedAttrs: r.int(3),
    events: Array.from({ length: r.int(3) }, () => ({ name: r.pick(STRINGS), time: r.u64(), attrs: attrs(r, 0, 3), dropped: r.int(2) })),
    droppedEvents: r.int(3),
    links: Array.from({ length: r.int(3) }, () => ({ traceId: r.hex(16), spanId: r.hex(8), traceState: r.pick(['', 'a=1']), attrs: attrs(r, 0, 2), dropped: r.int(2), flags: r.int(1024) })),
    droppedLinks: r.int(3), statusCode: r.int(3), statusMessage: r.pick(['', 'boom', 'quote "x"']),
  };
}

function request(r: Rng): TResource[] {
  return Array.from({ length: 1 + r.int(2) }, () => {
    const nScopes = 1 + r.int(2);
    const resAttrs = attrs(r, 0, 4);
    if (r.next() < 0.7) resAttrs.push(['service.name', r.next() < 0.9 ? { s: 'svc-' + r.int(9) } : { i: 7n }]);
    return {
      attrs: resAttrs, dropped: r.int(2),
      scopes: Array.from({ length: nScopes }, (_, i) => ({
        name: r.pick(['lib', '', 'my.library']), version: r.pick(['', '1.0.0']), attrs: attrs(r, 0, 2), dropped: r.int(2),
        spans: Array.from({ length: r.int(4) }, () => span(r)),
        // Legacy scopes go last: the JSON encoder lists them after `scopeSpans`.
        legacy: i === nScopes - 1 && r.next() < 0.3,
      })),
    };
  });
}

function style(r: Rng): JsonStyle {
  const flip = () => r.next() < 0.5;
  return { snake: flip(), upperHex: flip(), base64Ids: r.next() < 0.2, numbers: flip(), enumNames: flip(), urlSafeBytes: flip() };
}

/** The read model of every span of the request, in request order. */
function expected(resources: TResource[]): Span[] {
  return resources.flatMap((res) => {
    const resourceAttrs = expectedAttrs(res.attrs) as Attributes;
    const service = resourceAttrs['service.name'];
    return res.scopes.flatMap((sc) =>
      sc.spans.map((s): Span => ({
        traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, traceState: s.traceState, flags: s.flags,
        name: s.name, kind: s.kind, service: typeof service === 'string' ? service : 'unknown_service',
        startTimeUnixNano: s.start, endTimeUnixNano: s.end, attributes: expectedAttrs(s.attrs) as Attributes,
        droppedAttributesCount: s.droppedAttrs,
        events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.time, attributes: expectedAttrs(e.attrs) as Attributes, droppedAttributesCount: e.dropped })),
        droppedEventsCount: s.droppedEvents,
        links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, attributes: expectedAttrs(l.attrs) as Attributes, droppedAttributesCount: l.dropped, flags: l.flags })),
        droppedLinksCount: s.droppedLinks, statusCode: s.statusCode, statusMessage: s.statusMessage,
        error: spanFailed({ kind: s.kind, statusCode: s.statusCode, attributes: expectedAttrs(s.attrs) as Attributes }),
        resource: { attributes: resourceAttrs, droppedAttributesCount: res.dropped },
        scope: { name: sc.name, version: sc.version, attributes: expectedAttrs(sc.attrs) as Attributes, droppedAttributesCount: sc.dropped },
      })),
    );
  });
}

/** The model's spans with their typed attributes and the call ends ingest derives. */
function expectedTyped(resources: TResource[]) {
  return resources.flatMap((res) =>
    res.scopes.flatMap((sc) =>
      sc.spans.map((s) => ({
        attributes: expectedTypedAttrs(s.attrs),
        events: s.events.map((e) => expectedTypedAttrs(e.attrs)),
        links: s.links.map((l) => expectedTypedAttrs(l.attrs)),
        ...expectedEnds(s.kind, expectedAttrs(s.attrs) as Attributes),
        resource: expectedTypedAttrs(res.attrs),
        scope: expectedTypedAttrs(sc.attrs),
      })),
    ),
  );
}

const CANONICAL: JsonStyle = { snake: false, upperHex: false, base64Ids: false, numbers: false, enumNames: false, urlSafeBytes: false };

/** The model without what the JSON fast path leaves to the general decoder: bytes, big ints, NaN, ±Infinity, -0, legacy scopes. */
function tame(resources: TResource[]): TResource[] {
  const value = (v: TValue): TValue => {
    if ('bytes' in v) return { s: v.bytes.toString('hex') };
    if ('i' in v) return v.i > BigInt(Number.MAX_SAFE_INTEGER) || v.i < -BigInt(Number.MAX_SAFE_INTEGER) ? { i: 42n } : v;
    if ('d' in v) return Number.isFinite(v.d) && !Object.is(v.d, -0) ? v : { d: 0.25 };
    if ('arr' in v) return { arr: v.arr.map(value) };
    if ('kv' in v) return { kv: attrs(v.kv) };
    return v;
  };
  const attrs = (list: TAttr[]): TAttr[] => list.map(([k, v]) => [k, value(v)]);
  return resources.map((r) => ({
    ...r,
    attrs: attrs(r.attrs),
    scopes: r.scopes.map((sc) => ({
      ...sc, legacy: false, attrs: attrs(sc.attrs),
      spans: sc.spans.map((sp) => ({
        ...sp, attrs: attrs(sp.attrs), events: sp.events.map((e) => ({ ...e, attrs: attrs(e.attrs) })),
        links: sp.links.map((l) => ({ ...l, attrs: attrs(l.attrs) })),
      })),
    })),
  }));
}

// 500 seeds in 10 tests; each assertion names its seed, and `check(seed)` reproduces one alone.
describe('random requests: protobuf and JSON decoders agree with each other and with the model', () => {
  it.each(Array.from({ length: 10 }, (_, i) => i * 50 + 1))('seeds %i to +49', (first) => {
    for (let seed = first; seed < first + 50; seed++) check(seed);
  });

});

function check(seed: number): void {
  const r = rng(seed);
  const model = request(r);
  const pb = decodeProtobufRequest(toProtobuf(model));
  const js = decodeJsonRequest(toJson(model, style(r)));
  expect(pb.rejected, `seed ${seed}`).toBe(0);
  // The same bytes, not just the same spans once read.
  expect(js, `seed ${seed}: JSON vs protobuf`).toEqual(pb);
  // The spelling real senders use, with values the JSON fast path takes: it must, and give the same bytes.
  const tamed = tame(model);
  const fast = decodeJsonFast(Buffer.from(toJson(tamed, CANONICAL)));
  expect(fast, `seed ${seed}: the fast path gave up`).toBeDefined();
  expect(fast, `seed ${seed}: JSON fast path vs protobuf`).toEqual(decodeProtobufRequest(toProtobuf(tamed)));
  const back = readBack(pb);
  expect(back.spans, `seed ${seed}: protobuf vs model`).toEqual(expected(model));
  const dims = new Map(pb.dimensions.map((d) => [d.hash, readDimensionTyped(d.data).attributes]));
  const typed = back.typed.map((t) => ({
    attributes: t.attributes, events: t.events.map((e) => e.attributes), links: t.links.map((l) => l.attributes),
    callee: t.callee, address: t.address, resource: dims.get(t.resource), scope: dims.get(t.scope),
  }));
  expect(typed, `seed ${seed}: typed vs model`).toEqual(expectedTyped(model));
  expect(pb.spans.map((m) => [m.spanId, m.error, m.callee]), `seed ${seed}: metas`).toEqual(
    back.typed.map((t) => [t.spanId, t.error, t.callee]),
  );
}
