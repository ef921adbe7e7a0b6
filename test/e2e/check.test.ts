import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/services.js';
import { MAIN } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Real instrumented services (the demo's: OTel Node SDK + instrumentation-http, child processes), tracelite
// in this process, and the compiled CLI. legacy is the service that does not forward traceparent.
let server: TestServer;
let services: DemoServices | undefined;
beforeAll(async () => {
  server = await startServer();
  services = await startDemoServices({ otlpUrl: server.otlpUrl, exportDelayMs: 200 });
});
afterAll(async () => {
  await services?.stop();
  await server.close();
});

/** Asynchronous: tracelite runs in this process and must keep answering while the CLI waits on it. */
function check(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'check', ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const at = () => ['--server', server.uiUrl, '--url', `${services!.frontendUrl}/`];

describe('tracelite check', () => {
  it('exits 0 and prints the tree when the chain holds', async () => {
    const r = await check([...at(), '--expect', 'frontend,checkout,payments']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/ → (200|502) in [\d.]+ ms, trace [0-9a-f]{32}$/m);
    // Our own CLIENT span is the root; the services hang under it, indented by depth.
    expect(r.stdout).toMatch(/^ {2}tracelite-check {2}GET {2}→ 127\.0\.0\.1:\d+\/ {2}[\d.]+ ms/m);
    expect(r.stdout).toMatch(/^ {4}frontend {2}GET \/ {2}[\d.]+ ms/m);
    expect(r.stdout).toMatch(/^ {8}checkout {2}GET \/checkout {2}[\d.]+ ms/m);
    expect(r.stdout).toMatch(/^ {10}checkout {2}GET {2}→ pricing-api \(127\.0\.0\.1:\d+\/quote\?items=5\) {2}[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^ +payments {2}POST \/charge {2}[\d.]+ ms/m);
    expect(r.stdout).toContain('✓ chain frontend → checkout → payments holds');
  });

  it('exits 1 naming the broken link legacy → inventory and the dropped traceparent', async () => {
    const r = await check([...at(), '--expect', 'frontend,legacy,inventory', '--settle', '2s']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ +legacy {2}GET \/stock {2}[\d.]+ ms/m);
    const verdict = r.stdout.split('\n').find((l) => l.startsWith('✗ missing link'));
    expect(verdict).toMatch(/^✗ missing link legacy → inventory: /);
    expect(verdict).toContain('traceparent');
  });

  it.each([
    [['--url', 'http://127.0.0.1:9/'], '--expect'],
    [['--url', 'http://127.0.0.1:9/', '--expect', 'a,b', '--timeout', '15'], '--timeout'],
    [['--expect', 'a,b'], '--url'],
    [['--url', 'not a url', '--expect', 'a'], '--url'],
  ])('exits 2 naming the flag: %j', async (args, flag) => {
    const r = await check(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stdout).toBe('');
  });

  it('exits 2 when tracelite is unreachable, or the server is not tracelite', async () => {
    const closed = await closedPort();
    const down = await check(['--server', `http://127.0.0.1:${closed}`, '--url', `${services!.frontendUrl}/`, '--expect', 'frontend']);
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(/cannot reach tracelite at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    const notTracelite = await check(['--server', services!.frontendUrl, '--url', `${services!.frontendUrl}/`, '--expect', 'frontend']);
    expect(notTracelite.status).toBe(2);
    expect(notTracelite.stderr).toContain('is not tracelite');
  });

  it('exits 2 when the URL is unreachable', async () => {
    const r = await check(['--server', server.uiUrl, '--url', `http://127.0.0.1:${await closedPort()}/`, '--expect', 'frontend']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot reach --url .*ECONNREFUSED/);
  });
});

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
