import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { MAIN, runCli, startCli } from '../helpers/cli.js';
import { exportRequest, sid, T0, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { tempDbPath } from '../helpers/server.js';

/**
 * The real process: SIGTERM with a full buffer (a decision wait far longer than the test) decides every buffered
 * trace and writes the kept ones before exit; an invalid policy file stops the start naming the rule and field.
 */
const { dir, db } = tempDbPath();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tracelite --sampling, as a process', () => {
  it('SIGTERM with 2,000 undecided traces in a full buffer loses nothing kept', async () => {
    const policy = path.join(dir, 'errors.json');
    fs.writeFileSync(policy, JSON.stringify({ name: 'errors', rules: [{ name: 'errors', type: 'error' }], default: 'drop' }));
    const cli = await startCli(process.execPath, [MAIN, '--db', db, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0',
      '--sampling', policy, '--decision-wait', '10m', '--sampling-max-age', '10m', '--sampling-buffer', '4000']); // prettier-ignore
    const failed: number[] = [];
    for (let b = 0; b < 4; b++) {
      const spans: JsonSpanSpec[] = [];
      for (let i = b * 500 + 1; i <= b * 500 + 500; i++) {
        const error = i % 9 === 0;
        if (error) failed.push(i);
        spans.push({ traceId: tid(i), spanId: sid(i * 10), name: 'GET /', kind: 2, start: T0, durationNs: 2_000_000n });
        spans.push({ traceId: tid(i), spanId: sid(i * 10 + 1), parentSpanId: sid(i * 10), name: 'SELECT', start: T0, durationNs: 1_000_000n, error });
      }
      const res = await fetch(`${cli.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: exportRequest({ web: spans }) });
      expect(res.status).toBe(200);
    }
    const before = await (await fetch(`${cli.uiUrl}/api/sampling`)).json();
    expect(before.buffer).toMatchObject({ spans: 4_000, maxSpans: 4_000, traces: 2_000 });
    expect(before.traces.kept + before.traces.dropped).toBe(0);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);

    const rdb = openDatabase(db);
    try {
      const reader = new SqliteTraceReader(rdb);
      const stored = Array.from({ length: 2_000 }, (_, k) => k + 1).filter((i) => reader.getTrace(tid(i)).length > 0);
      expect(stored).toEqual(failed);
      for (const i of failed) expect(reader.getTrace(tid(i))).toHaveLength(2);
    } finally {
      rdb.close();
    }
  }, 60_000);

  it('an invalid policy file stops the start with the rule and field named (status 2)', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ rules: [{ name: 'errors', type: 'error' }, { name: 'slow', type: 'latency', quantile: 1.5 }] }));
    const r = runCli(['--db', path.join(dir, 'x.db'), '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--sampling', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`tracelite: --sampling: ${bad}: rules[1] (slow): quantile must be between 0 and 1`);
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false); // refused before anything opened
    const missing = runCli(['--sampling', path.join(dir, 'nope.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read the policy file \(ENOENT\)/);
  });
});
