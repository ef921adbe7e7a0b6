import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { MAIN } from '../helpers/cli.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

// `tracelite check` against real auto-instrumented services: three child processes, each run with the
// newcomer's setup unchanged (`node --require tracing.cjs`: NodeSDK + getNodeAutoInstrumentations), calling
// gateway → orders → stock with fetch. orders is started with the undici (fetch) instrumentation disabled and
// makes its own CLIENT span for the call to stock without injecting traceparent: stock starts a new trace.
const FIXTURES = path.join(PACKAGE_ROOT, 'test/fixtures');

let server: TestServer;
const children: ChildProcess[] = [];
let gatewayUrl = '';

/** Starts one service and resolves with its URL once it prints `listening <port>`. */
async function startService(name: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--require', path.join(FIXTURES, 'newcomer/tracing.cjs'), path.join(FIXTURES, 'auto-services/service.cjs')],
    {
      cwd: PACKAGE_ROOT,
      env: {
        PATH: process.env.PATH,
        OTEL_SERVICE_NAME: name,
        OTEL_EXPORTER_OTLP_ENDPOINT: server.otlpUrl,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const port = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${output}`);
    return /^listening (\d+)$/m.exec(output)?.[1];
  }, 15_000);
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  server = await startServer();
  // Downstream first, so each service is started knowing its callee's URL.
  const stock = await startService('stock');
  const orders = await startService('orders', {
    DOWNSTREAM_URL: `${stock}/items`,
    OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici',
    HAND_MADE_CLIENT_SPAN: '1',
  });
  gatewayUrl = await startService('gateway', { DOWNSTREAM_URL: `${orders}/orders` });
}, 30_000);

afterAll(async () => {
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => (c.once('exit', r), c.kill('SIGKILL')))),
  );
  await server?.close();
});

/** Asynchronous: tracelite runs in this process and must keep answering while the CLI waits on it. */
function check(expectServices: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const args = ['check', '--server', server.uiUrl, '--url', `${gatewayUrl}/`, '--expect', expectServices, '--settle', '2s'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('tracelite check against auto-instrumented services', () => {
  it('exits 0 with the tree when the chain gateway → orders holds', async () => {
    const r = await check('gateway,orders');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/ → 200 in [\d.]+ ms, trace [0-9a-f]{32}$/m);
    expect(r.stdout).toMatch(/^ {2}tracelite-check {2}GET {2}→ 127\.0\.0\.1:\d+\/ {2}[\d.]+ ms/m);
    // gateway's fetch is auto-instrumented (undici); orders' CLIENT span is its own, and stock is not in the trace.
    expect(r.stdout).toMatch(/^ {4}gateway {2}GET {2}\/ {2}[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^ {6}gateway {2}GET {2}→ 127\.0\.0\.1:\d+\/orders {2}[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^ {8}orders {2}GET {2}\/orders {2}[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^ {10}orders {2}GET {2}→ 127\.0\.0\.1:\d+\/items {2}[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^5 spans:$/m);
    expect(r.stdout).not.toMatch(/^ +stock /m);
    expect(r.stdout).toContain('✓ chain gateway → orders holds');
  });

  it('exits 1 naming orders → stock and traceparent; the analysis lists the broken link', async () => {
    const r = await check('gateway,orders,stock');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const verdict = r.stdout.split('\n').find((l) => l.startsWith('✗ missing link'));
    expect(verdict).toMatch(/^✗ missing link orders → stock: /);
    expect(verdict).toContain('traceparent');

    const traceId = /, trace ([0-9a-f]{32})$/m.exec(r.stdout)![1];
    const analysis = await (await fetch(`${server.uiUrl}/api/traces/${traceId}/analysis`)).json();
    expect(analysis.propagation.brokenLinks).toEqual([
      expect.objectContaining({ fromService: 'orders', toService: 'stock', target: expect.stringMatching(/127\.0\.0\.1:\d+/) }),
    ]);
  });
});
