import { describe, expect, it } from 'vitest';
import { batches, decodeImportFile } from '../../src/ingest/import/index.js';
import { syntaxErrorOffset } from '../../src/ingest/import/json-syntax.js';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';

/** The pure parts of the importer: where bad JSON goes wrong, and cutting a decoded request into batches. */
describe('syntaxErrorOffset', () => {
  it.each([
    ['{"a":}', 5, false],
    ['{"a":1', 6, false], // ends too early: the offset is its length
    ['[1,2 3]', 5, false],
    ['{"a":"x\u0001"}', 7, false],
    ['{"a":tru}', 8, false],
    ['{"a":"\\q"}', 7, false],
    ['{"a":-}', 6, false],
    ['{} {}', 3, false],
    ['{"a":[1,{"b":null}],"c":"\\u00e9"}', 33, true],
  ])('%j: offset %i (valid: %s)', (text, at, valid) => {
    expect(syntaxErrorOffset(text)).toBe(at);
    expect(() => JSON.parse(text)).toSatisfy((parse: () => unknown) => {
      try {
        parse();
        return valid;
      } catch {
        return !valid;
      }
    });
  });
});

describe('batches', () => {
  const spansOf = (traces: number, perTrace: number) =>
    exportRequest({
      web: Array.from({ length: traces * perTrace }, (_, i) => ({
        traceId: tid(1 + Math.floor(i / perTrace)),
        spanId: sid(i + 1),
        name: `op ${i}`,
        start: T0,
        durationNs: 1_000n,
      })),
    });

  it('cuts at trace chunks into requests of at most N spans, each span pointing at its own chunk', () => {
    const [request] = decodeImportFile(Buffer.from(spansOf(7, 3))).requests;
    expect(request.chunks).toHaveLength(7);
    const out = batches(request, 7);
    expect(out.map((b) => b.spans.length)).toEqual([6, 6, 6, 3]);
    expect(out.flatMap((b) => b.spans.map((s) => s.spanId))).toEqual(request.spans.map((s) => s.spanId));
    for (const b of out) {
      for (const s of b.spans) expect(b.chunks[s.chunk].traceId).toBe(s.traceId);
      expect(b.chunks.reduce((n, c) => n + c.spanCount, 0)).toBe(b.spans.length);
      expect(b.dimensions).toBe(request.dimensions);
    }
  });

  it('leaves a small request whole and sends a chunk larger than N alone', () => {
    const [request] = decodeImportFile(Buffer.from(spansOf(2, 5))).requests;
    expect(batches(request, 10)).toEqual([request]);
    expect(batches(request, 3).map((b) => b.spans.length)).toEqual([5, 5]);
  });
});
