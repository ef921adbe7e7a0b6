/**
 * The demo's traffic generator: GET frontend/ every `everyMs`, one request at a time at most `maxInFlight`
 * deep, so a slow demo service cannot pile requests up. Counts answers for a periodic summary line.
 */
export interface Traffic {
  counts: Map<string, number>;
  /** Stops the timer and waits for the requests in flight. */
  stop(): Promise<void>;
}

export function startTraffic(url: string, opts: { everyMs?: number; maxInFlight?: number; onSummary?: (line: string) => void } = {}): Traffic {
  const counts = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  const tick = () => {
    if (inFlight.size >= (opts.maxInFlight ?? 5)) return;
    const p = fetch(url, { signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        return String(res.status);
      })
      .catch(() => 'no answer')
      .then((key) => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        inFlight.delete(p);
      });
    inFlight.add(p);
    if (++sent % 30 === 0 && opts.onSummary) opts.onSummary(summary(counts));
  };
  tick();
  const timer = setInterval(tick, opts.everyMs ?? 1_000);
  return {
    counts,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

function summary(counts: Map<string, number>): string {
  const parts = [...counts].sort().map(([k, n]) => `${n} × ${k}`);
  return `traffic so far: ${parts.join(', ')}`;
}
