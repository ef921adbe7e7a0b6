import { describe, expect, it } from 'vitest';
import { ARRIVING_MS, stillArriving } from '../../src/analysis/arriving.js';

describe('stillArriving: a trace whose newest span ended within the last 6 s', () => {
  const now = 1_700_000_000_000;
  const endedMsAgo = (ms: number) => BigInt(now - ms) * 1_000_000n;
  it('is arriving just after its spans ended, and finished once 6 s passed without a newer one', () => {
    expect(ARRIVING_MS).toBe(6000);
    expect(stillArriving(endedMsAgo(0), now)).toBe(true);
    expect(stillArriving(endedMsAgo(5_999), now)).toBe(true);
    expect(stillArriving(endedMsAgo(6_000), now)).toBe(false);
    expect(stillArriving(endedMsAgo(3_600_000), now)).toBe(false);
  });
  it('a span ending in the future (a clock ahead of ours) keeps it arriving; another window can be given', () => {
    expect(stillArriving(endedMsAgo(-2_000), now)).toBe(true);
    expect(stillArriving(endedMsAgo(10_000), now, 30_000)).toBe(true);
  });
});
