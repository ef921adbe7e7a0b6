import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/paths.js';
import { MAIN, runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { tempDbPath } from '../helpers/server.js';

let running: RunningCli | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

describe('tracelite CLI', () => {
  it('--help lists every flag with its variable and default; --version prints the version', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    for (const s of ['--host', '--ui-port', '--otlp-http-port', '--otlp-grpc-port', '--db', 'TRACELITE_OTLP_HTTP_PORT', 'TRACELITE_OTLP_GRPC_PORT', '16686', '4318', '4317', 'data/tracelite.db']) {
      expect(help.stdout).toContain(s);
    }
    const version = runCli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(packageVersion());
  });

  it.each([
    [['--ui-port', 'http'], {}, '--ui-port'],
    [['--nope'], {}, 'nope'],
    [[], { TRACELITE_OTLP_HTTP_PORT: '99999' }, 'TRACELITE_OTLP_HTTP_PORT'],
  ])('exits 2 naming the bad flag: %j %j', (args, env, name) => {
    const r = runCli(args, env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(name);
  });

  it('starts, prints one line per listener, creates the database folder, and flushes on SIGTERM', async () => {
    const { dir } = tempDbPath();
    const db = path.join(dir, 'nested', 'deeper', 'spans.db');
    running = await startCli(process.execPath, [MAIN, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', db]);
    expect(fs.existsSync(db)).toBe(true);
    expect(running.output()).toMatch(/^OTLP\/HTTP receiver\s+http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/m);
    expect(running.output()).toMatch(/^UI and API\s+http:\/\/127\.0\.0\.1:\d+\/$/m);

    const body = exportRequest({ api: [{ traceId: tid(1), spanId: sid(1), name: 'GET /', start: T0, durationNs: 1000n }] });
    const res = await fetch(`${running.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect((await (await fetch(`${running.uiUrl}/api/traces/${tid(1)}`)).json()).spans).toHaveLength(1);

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.prepare('SELECT sum(span_count) AS n FROM trace_rows').get()).toEqual({ n: 1 });
    check.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request it accepted before SIGINT, then exits 0', async () => {
    const { dir, db } = tempDbPath();
    running = await startCli(process.execPath, [MAIN, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', db]);
    const spans = Array.from({ length: 2000 }, (_, i) => ({ traceId: tid(7), spanId: sid(i + 1), name: 'op', start: T0, durationNs: 10n }));
    const sent = fetch(`${running.otlpUrl}/v1/traces`, {
      method: 'POST',
      body: exportRequest({ api: spans }),
      headers: { 'content-type': 'application/json' },
    });
    await new Promise((r) => setTimeout(r, 100)); // the request is on its way, not yet answered
    running.child.kill('SIGINT');
    const res = await sent;
    expect(res.status).toBe(200);
    expect(await running.exit).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.prepare('SELECT sum(span_count) AS n FROM trace_rows').get()).toEqual({ n: 2000 });
    check.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with a message when a port is taken', async () => {
    const { dir, db } = tempDbPath();
    running = await startCli(process.execPath, [MAIN, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', db]);
    const port = new URL(running.uiUrl).port;
    const r = runCli(['--ui-port', port, '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', path.join(dir, 'other.db')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot listen on 127.0.0.1:${port}`));
  });
});
