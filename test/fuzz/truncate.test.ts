import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChunk, readDimension } from '../../src/codec/index.js';
import { decodeJsonFast } from '../../src/ingest/json-fast.js';
import { decodeJsonGeneral } from '../../src/ingest/otlp-json.js';
import { decodeProtobufRequest } from '../../src/ingest/otlp-proto.js';
import type { DecodedRequest } from '../../src/codec/types.js';
import { attr, requestWithSpans, spanBody, string } from '../fixtures/proto-writer.js';
import { params } from './fuzz-helpers.js';

/**
 * --max-attribute-length, as a property: for any strings and any limit, every decoder (protobuf, the JSON fast
 * path, the general JSON decoder) cuts the same values to the same bytes — the longest whole-character prefix of
 * at most `limit` UTF-8 bytes — and names the same keys in `tracelite.truncated`.
 */

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

function attributesOf(d: DecodedRequest): Record<string, unknown> {
  const dims = new Map(d.dimensions.map((x) => [x.hash, readDimension(x.data)] as const));
  return readChunk(d.chunks[0].data, d.chunks[0].traceId, dims)[0].attributes;
}

/** The longest prefix of whole characters of `s` within `limit` UTF-8 bytes. */
function expectedCut(s: string, limit: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > limit) break;
    out += ch;
  }
  return out;
}

describe('--max-attribute-length', () => {
  it('cuts the same way in every decoder, at a character boundary, and marks the keys it cut', () => {
    const entry = fc.tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme-ascii' }), fc.string({ maxLength: 40, unit: 'grapheme' }));
    fc.assert(
      fc.property(fc.uniqueArray(entry, { maxLength: 6, selector: ([k]) => k }), fc.integer({ min: 1, max: 30 }), (entries, limit) => {
        const json = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
          traceId: TID, spanId: SID, startTimeUnixNano: '1', endTimeUnixNano: '2',
          attributes: entries.map(([key, v]) => ({ key, value: { stringValue: v } })) }] }] }] })); // prettier-ignore
        const proto = requestWithSpans(spanBody(TID, SID, 1n, 2n, ...entries.map(([k, v]) => attr(9, k, string(1, v)))));
        const general = decodeJsonGeneral(json, limit);
        const fast = decodeJsonFast(json, limit);
        if (fast !== undefined) expect(fast).toEqual(general);
        const fromProto = attributesOf(decodeProtobufRequest(proto, limit));
        const attrs = attributesOf(general);
        const cut = entries.filter(([, v]) => Buffer.byteLength(v) > limit).map(([k]) => k);
        const want: Record<string, unknown> = Object.fromEntries(entries.map(([k, v]) => [k, expectedCut(v, limit)]));
        if (cut.length > 0) want['tracelite.truncated'] = cut;
        expect(attrs).toEqual(want);
        expect(fromProto).toEqual(want);
      }),
      params(300),
    );
  });
});
