import { afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.js';
import { NS_PER_MINUTE } from '../../src/store/minute-stats.js';
import { splitMinutes } from '../../src/store/stats-reader.js';
import { makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

/**
 * Windows read their whole hours from op_hours and the rest from op_minutes; what they answer must be what
 * summing the minutes alone would. 300 requests one minute apart from minute 20 of an hour to minute 19 five
 * hours later, request i lasting i+1 ms, every 7th failing, each its own trace.
 */
const API = makeResource('api');
const HOUR0 = 1_800_000_000n * 1_000_000_000n - ((1_800_000_000n * 1_000_000_000n) % (60n * NS_PER_MINUTE));
const startOf = (i: number) => HOUR0 + BigInt(20 + i) * NS_PER_MINUTE;
const requests: Span[] = Array.from({ length: 300 }, (_, i) =>
  makeSpan({
    traceId: traceId(1 + i), spanId: spanId(1 + i), parentSpanId: '', resource: API, name: 'GET /x', kind: 2,
    startTimeUnixNano: startOf(i), endTimeUnixNano: startOf(i) + BigInt(i + 1) * MS, statusCode: i % 7 === 0 ? 2 : 0,
  }), // prettier-ignore
);

const stores: TempStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));
function written(limits?: { maxSpans: number }): TempStore {
  const store = tempStore({ limits });
  stores.push(store);
  for (let i = 0; i < requests.length; i += 50) store.write(requests.slice(i, i + 50), 0);
  return store;
}

/** The requests whose minute is inside [from, to] minutes after HOUR0, as the minutes alone would count them. */
function expected(from: number, to: number, kept: (i: number) => boolean = () => true) {
  const inside = requests.map((_, i) => i).filter((i) => kept(i) && 20 + i >= from && 20 + i <= to);
  const durations = inside.map((i) => i + 1).sort((a, b) => a - b);
  return { count: inside.length, errors: inside.filter((i) => i % 7 === 0).length, p50Ms: durations[Math.floor((durations.length - 1) / 2)] };
}

const window = (from: number, to: number) => ({ startNs: HOUR0 + BigInt(from) * NS_PER_MINUTE, endNs: HOUR0 + BigInt(to) * NS_PER_MINUTE + 59_999_999_999n });

describe('splitMinutes', () => {
  it('covers every minute once: partial hours as minutes, whole hours as hours, the cut hour as minutes', () => {
    expect(splitMinutes(20, 50)).toEqual({ hours: [], minutes: [{ from: 20, to: 50 }] });
    expect(splitMinutes(60, 119)).toEqual({ hours: [{ from: 1, to: 1 }], minutes: [] });
    expect(splitMinutes(105, 250)).toEqual({ hours: [{ from: 2, to: 3 }], minutes: [{ from: 105, to: 119 }, { from: 240, to: 250 }] });
    expect(splitMinutes(60, 299, 2)).toEqual({ hours: [{ from: 1, to: 1 }, { from: 3, to: 4 }], minutes: [{ from: 120, to: 179 }] });
    expect(splitMinutes(60, 119, 1)).toEqual({ hours: [], minutes: [{ from: 60, to: 119 }] });
    for (const [from, to, cut] of [[0, 0], [59, 60], [1, 178, 1], [61, 299, 2], [120, 239, 2], [7, 413, 6], [60, 239, 1], [60, 239, 3]]) {
      const { hours, minutes } = splitMinutes(from, to, cut);
      const covered = minutes.flatMap((m) => Array.from({ length: m.to - m.from + 1 }, (_, k) => m.from + k));
      for (const r of hours) for (let h = r.from; h <= r.to; h++) for (let m = 0; m < 60; m++) covered.push(h * 60 + m);
      expect(covered.sort((a, b) => a - b), `${from}..${to} cut ${cut}`).toEqual(Array.from({ length: to - from + 1 }, (_, k) => from + k));
    }
  });
});

describe('stats over hours and minutes', () => {
  it('answers every window as the minutes alone would', () => {
    const store = written();
    for (const [from, to] of [[30, 50], [45, 190], [60, 179], [20, 319], [0, 400], [119, 121]]) {
      const api = store.stats.serviceStats(window(from, to)).find((s) => s.name === 'api');
      const want = expected(from, to);
      expect(api && { count: api.count, errors: api.errors, traces: api.traceCount }, `${from}..${to}`).toEqual({ count: want.count, errors: want.errors, traces: want.count });
      expect(api!.operations[0].p50Ns / 1e6, `${from}..${to}`).toBeCloseTo(want.p50Ms, -Math.log10(want.p50Ms * 0.05));
    }
    const all = store.reader.services().find((s) => s.name === 'api');
    expect(all).toMatchObject({ requests: 300, errors: expected(0, 1000).errors, traceCount: 300 });
  });

  it('counts no request retention deleted, though the hour it started in keeps a row', () => {
    const store = written({ maxSpans: 190 });
    store.housekeep(0);
    const kept = (i: number) => i >= 110;
    expect(store.reader.services().find((s) => s.name === 'api')).toMatchObject({ requests: 190, traceCount: 190 });
    // Minute 130 (request 110) is the first kept: hour 2's row still counts requests 100..109, which a window must not.
    for (const [from, to] of [[120, 239], [60, 179], [0, 400], [100, 135]]) {
      const api = store.stats.serviceStats(window(from, to)).find((s) => s.name === 'api');
      expect(api?.count ?? 0, `${from}..${to}`).toBe(expected(from, to, kept).count);
    }
  });
});
