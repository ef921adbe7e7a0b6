import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from '../helpers/cli.js';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

/** `tracelite import` (the compiled CLI, `npm run build` first) against a real tracelite listening on port 0. */

/** Async, unlike helpers/cli.ts's spawnSync: the server answering it runs in this process. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'import', ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

let server: TestServer;
let dir: string;
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};

beforeAll(async () => {
  server = await startServer({ listen: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-import-cli-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tracelite import', () => {
  it('posts each file and prints one line per file; exit 1 when one failed, naming why', async () => {
    const otlp = file('a.json', exportRequest({ web: [{ traceId: tid(1), spanId: sid(1), name: 'GET /', start: T0, durationNs: 1_000_000n }] }));
    const ndjson = file(
      'b.jsonl.gz',
      zlib.gzipSync(
        [
          exportRequest({ api: [{ traceId: tid(2), spanId: sid(2), name: 'GET /b', start: T0, durationNs: 1_000_000n }] }),
          '{"resourceMetrics":[]}',
          exportRequest({ api: [{ traceId: tid(3), spanId: sid(3), name: 'GET /c', start: T0, durationNs: 1_000_000n }] }),
          '',
        ].join('\n'),
      ),
    );
    const bad = file('c.json', '{"resourceSpans": [}');
    const r = await run(['--url', server.uiUrl, otlp, ndjson, bad]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${otlp}: otlp-json, 1 spans, 1 traces, 0 rejected`,
      `${ndjson}: otlp-ndjson, 2 spans, 2 traces, 0 rejected, 1 lines of logs/metrics skipped`,
    ]);
    expect(r.stderr.trim()).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not imported \\(400\\): invalid JSON at line 1, column 20`));
    expect((await getJson(server, `/api/traces/${tid(3)}`)).status).toBe(200);

    const ok = await run([`--url=${server.uiUrl}`, otlp]);
    expect(ok.status).toBe(0);
  });

  it('exit 2 on usage errors, 1 on a file it cannot read or a server it cannot reach; --help', async () => {
    expect((await run([])).status).toBe(2);
    const flag = await run(['--nope', 'x.json']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('unknown flag --nope');
    expect((await run(['--url', 'not a url', 'x.json'])).status).toBe(2);
    const missing = await run(['--url', server.uiUrl, path.join(dir, 'missing.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    const down = await run(['--url', 'http://127.0.0.1:9', file('d.json', '{}')]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/api\/import/);
    const help = await run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: tracelite import [--url URL] FILE…');
  });
});
