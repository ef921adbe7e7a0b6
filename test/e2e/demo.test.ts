import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MAIN, startCli, type RunningCli } from '../helpers/cli.js';
import { eventually, tempDbPath } from '../helpers/server.js';

// `tracelite demo` as a user runs it, in its own process group; the analysis of its traces must show every lesson.
let running: RunningCli | undefined;
const dirs: string[] = [];
afterEach(() => {
  try {
    if (running) process.kill(-running.child.pid!, 'SIGKILL');
  } catch {
    // The group has already ended.
  }
  running = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function startDemo(): Promise<{ demo: RunningCli; pids: Map<string, number> }> {
  const { dir, db } = tempDbPath();
  dirs.push(dir);
  running = await startCli(process.execPath, [MAIN, 'demo', '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', db], { processGroup: true });
  const demo = running;
  // The services print after the listener lines: "demo service <name> <url> (pid <n>)".
  const pids = await eventually(() => {
    const found = [...demo.output().matchAll(/^demo service (\S+)\s+http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)$/gm)];
    return found.length === 6 ? new Map(found.map((m) => [m[1], Number(m[2])])) : undefined;
  }, 20_000);
  return { demo, pids };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const getJson = async (url: string) => {
  const res = await fetch(url);
  return res.status === 200 ? res.json() : undefined;
};

describe('tracelite demo', () => {
  it('shows every lesson in the analysis, then stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const { demo, pids } = await startDemo();
    expect([...pids.keys()].sort()).toEqual(['checkout', 'frontend', 'inventory', 'legacy', 'payments', 'pricing-api']);
    expect(demo.output()).toContain('--expect frontend,checkout,payments');
    expect(demo.output()).toContain('--expect frontend,legacy,inventory');

    // Every third charge fails, so an errored trace arrives within a few seconds of traffic.
    const analysis = await eventually(async () => {
      const list = await getJson(`${demo.uiUrl}/api/traces?service=payments&error=true&limit=5`);
      for (const t of list?.traces ?? []) {
        if (t.spanCount < 20) continue; // not all exported yet
        const a = await getJson(`${demo.uiUrl}/api/traces/${t.traceId}/analysis`);
        if (a?.propagation?.brokenLinks?.length) return a; // the legacy → inventory trace has landed too
      }
      return undefined;
    }, 30_000);

    // 1. Where the time went: the uninstrumented third party has the largest share.
    const top = [...analysis.timeByService].sort((a, b) => b.selfMs - a.selfMs)[0];
    expect(top).toMatchObject({ service: 'pricing-api', instrumented: false });
    // 2. checkout's five inventory lookups are one repeated call (batch it), ranked before its calls to
    // different services (run them concurrently, if they do not depend on each other).
    type Finding = { kind: string; service: string; [k: string]: unknown };
    const checkout = analysis.fanOut.filter((f: Finding) => f.service === 'checkout');
    expect(checkout.map((f: Finding) => f.kind)).toEqual(['repeated', 'sequential']);
    expect(checkout[0]).toMatchObject({ target: 'inventory', operation: 'GET /items/{id}', calls: 5, rounds: 5 });
    expect(checkout[0].couldSaveMs).toBeGreaterThan(0);
    expect(checkout[0].message).toMatch(/^checkout made 5 sequential GET \/items\/\{id\} calls to inventory \(\d+ ms\): batch them/);
    expect(checkout[1].targets).toEqual(['inventory', 'pricing-api', 'payments']);
    expect(checkout[1].message).toMatch(/if these calls do not depend on each other, running them concurrently could save up to \d+ ms/);
    // frontend calls checkout and legacy in parallel already: a fact the waterfall shows, not advice.
    expect(analysis.fanOut.filter((f: Finding) => f.service === 'frontend')).toEqual([]);
    // 3. The error originates in payments' charge card span, not in the frontend that answered 502.
    expect(analysis.rootCause).toMatchObject({ service: 'payments', name: 'charge card', handledBy: null });
    expect(analysis.rootCause.exception.type).toBe('CardDeclinedError');
    // 4. legacy drops traceparent on its call to inventory.
    expect(analysis.propagation.brokenLinks).toContainEqual(expect.objectContaining({ fromService: 'legacy', toService: 'inventory' }));
    // The service graph decides a call without a callee span after its grace period.
    const deps = await eventually(async () => {
      const d = await getJson(`${demo.uiUrl}/api/dependencies`);
      return d.edges.some((e: { parent: string; child: string; broken: boolean }) => e.parent === 'legacy' && e.child === 'inventory' && e.broken) ? d : undefined;
    }, 15_000);
    expect(deps.edges).toContainEqual(expect.objectContaining({ parent: 'legacy', child: 'inventory', broken: true }));

    demo.child.kill('SIGTERM'); // the demo alone: it must stop its children itself
    expect(await demo.exit).toBe(0);
    for (const [name, pid] of pids) expect(alive(pid), `${name} (pid ${pid}) still running`).toBe(false);
    await expect(fetch(`${demo.uiUrl}/api/services`)).rejects.toThrow();
  });

  it('the services exit when the demo process dies without cleaning up', async () => {
    const { demo, pids } = await startDemo();
    demo.child.kill('SIGKILL');
    await demo.exit;
    // Their IPC channel closes with the parent; each then flushes (to a tracelite that is gone) and exits.
    await eventually(() => ([...pids.values()].some(alive) ? undefined : true), 10_000);
  });
});
