import type { DecodedRequest } from '../codec/types.js';
import { InvalidInputError } from '../model/errors.js';
import { ProtoReader } from './proto-reader.js';
import { decodeZipkinSpans } from './zipkin-json.js';
import type { ZipkinEndpoint, ZipkinSpan } from './zipkin-map.js';

/**
 * Zipkin proto3 `ListOfSpans` (openzipkin/zipkin-api zipkin.proto; what zipkin-reporter's PROTO3 encoding and
 * the Collector's zipkin exporter with `format: proto` send) → the same spans the JSON decoder checks, then
 * the same mapping. proto3 defaults: 0 timestamp, 0 duration and empty strings mean absent.
 */
export function decodeZipkinProto(buf: Buffer, maxAttributeLength = 0): DecodedRequest {
  const r = new ProtoReader(buf);
  const spans: ZipkinSpan[] = [];
  while (r.pos < buf.length) {
    const tag = r.tag(buf.length, 'ListOfSpans');
    if (tag === ((1 << 3) | 2)) {
      const end = r.lenEnd(buf.length, 'ListOfSpans.spans');
      spans.push(span(r, end, spans.length));
    } else r.skip(tag, buf.length, 'ListOfSpans');
  }
  return decodeZipkinSpans(spans, maxAttributeLength);
}

const KINDS: ZipkinSpan['kind'][] = ['', 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

function span(r: ProtoReader, end: number, i: number): ZipkinSpan {
  const at = (f: string) => `span ${i}: Span.${f}`;
  const z: ZipkinSpan = { index: i, traceId: '', id: '', parentId: '', name: '', kind: '', shared: false, annotations: [], tags: [] };
  while (r.pos < end) {
    const tag = r.tag(end, `span ${i}: Span`);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2 && field === 1) z.traceId = r.hex(end, at('trace_id'));
    else if (wire === 2 && field === 2) z.parentId = r.hex(end, at('parent_id'));
    else if (wire === 2 && field === 3) z.id = r.hex(end, at('id'));
    else if (wire === 0 && field === 4) {
      const k = r.varint(end, at('kind'));
      z.kind = KINDS[k] ?? fail(at('kind'), `must be 0-4, got ${k}`);
    } else if (wire === 2 && field === 5) z.name = r.string(end, at('name'));
    else if (wire === 1 && field === 6) z.timestamp = r.fixed64(end, at('timestamp')) || undefined;
    else if (wire === 0 && field === 7) {
      const lo = r.varint(end, at('duration'));
      z.duration = (BigInt(r.hi) << 32n) + BigInt(lo) || undefined;
    } else if (wire === 2 && (field === 8 || field === 9)) {
      const e = endpoint(r, r.lenEnd(end, at('endpoint')), at(field === 8 ? 'local_endpoint' : 'remote_endpoint'));
      if (field === 8) z.localEndpoint = e;
      else z.remoteEndpoint = e;
    } else if (wire === 2 && field === 10) z.annotations.push(annotation(r, r.lenEnd(end, at('annotations')), at('annotations')));
    else if (wire === 2 && field === 11) z.tags.push(tagEntry(r, r.lenEnd(end, at('tags')), at('tags')));
    else if (wire === 0 && field === 13) z.shared = r.varint(end, at('shared')) !== 0;
    else r.skip(tag, end, `span ${i}: Span`); // debug (12) and unknown fields
  }
  if (z.traceId.length !== 16 && z.traceId.length !== 32) fail(at('trace_id'), `must be 8 or 16 bytes, got ${z.traceId.length / 2}`);
  if (z.id.length !== 16) fail(at('id'), `must be 8 bytes, got ${z.id.length / 2}`);
  if (z.parentId.length !== 0 && z.parentId.length !== 16) fail(at('parent_id'), `must be empty or 8 bytes, got ${z.parentId.length / 2}`);
  z.traceId = z.traceId.padStart(32, '0');
  return z;
}

function endpoint(r: ProtoReader, end: number, what: string): ZipkinEndpoint {
  const e: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  while (r.pos < end) {
    const tag = r.tag(end, what);
    const field = tag >>> 3;
    if (tag === ((1 << 3) | 2)) e.serviceName = r.string(end, `${what}.service_name`);
    else if (tag === ((2 << 3) | 2)) e.ipv4 = ipv4(r.hex(end, `${what}.ipv4`), `${what}.ipv4`);
    else if (tag === ((3 << 3) | 2)) e.ipv6 = ipv6(r.hex(end, `${what}.ipv6`), `${what}.ipv6`);
    else if (field === 4 && (tag & 7) === 0) {
      const port = r.varint(end, `${what}.port`);
      if (r.hi !== 0 || port > 65535) fail(`${what}.port`, 'must be a port (0-65535)');
      e.port = port;
    } else r.skip(tag, end, what);
  }
  return e;
}

function annotation(r: ProtoReader, end: number, what: string): { timestamp: bigint; value: string } {
  let timestamp = 0n;
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end, what);
    if (tag === ((1 << 3) | 1)) timestamp = r.fixed64(end, `${what}.timestamp`);
    else if (tag === ((2 << 3) | 2)) value = r.string(end, `${what}.value`);
    else r.skip(tag, end, what);
  }
  return { timestamp, value };
}

function tagEntry(r: ProtoReader, end: number, what: string): [string, string] {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end, what);
    if (tag === ((1 << 3) | 2)) key = r.string(end, `${what}.key`);
    else if (tag === ((2 << 3) | 2)) value = r.string(end, `${what}.value`);
    else r.skip(tag, end, what);
  }
  return [key, value];
}

function ipv4(hex: string, what: string): string {
  if (hex === '') return '';
  if (hex.length !== 8) fail(what, `must be 4 bytes, got ${hex.length / 2}`);
  return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

function ipv6(hex: string, what: string): string {
  if (hex === '') return '';
  if (hex.length !== 32) fail(what, `must be 16 bytes, got ${hex.length / 2}`);
  const full = hex.match(/.{4}/g)!.join(':');
  // The URL parser writes the canonical (RFC 5952) form: lowercase, zeros compressed.
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}

function fail(what: string, detail: string): never {
  throw new InvalidInputError(`invalid Zipkin proto3: ${what} ${detail}`);
}
