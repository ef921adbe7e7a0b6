import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * Starts the demo services as child processes on loopback. Each listens on port 0 and reports its port over
 * IPC; downstream services start first and their addresses reach upstream ones through environment variables.
 * The IPC channel doubles as a lifeline: a child exits when it closes, so none outlives this process.
 */

export interface RunningService {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
}

export interface DemoServices {
  services: RunningService[];
  /** Where the traffic goes in: frontend's GET /. */
  frontendUrl: string;
  /** SIGTERM to every child (each flushes its spans), SIGKILL to any still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface DemoServiceOptions {
  /** tracelite's OTLP/HTTP base URL (the exporter appends /v1/traces). */
  otlpUrl: string;
  /** OTEL_BSP_SCHEDULE_DELAY: the SDK's 5 s default makes a demo feel dead; 500 ms feels live. */
  exportDelayMs?: number;
  /** Lines a child writes to stderr (warnings, crashes), prefixed with its name. */
  onLog?: (line: string) => void;
}

const SCRIPTS = path.join(PACKAGE_ROOT, 'dist', 'demo', 'services');
const START_TIMEOUT_MS = 15_000;

export async function startDemoServices(opts: DemoServiceOptions): Promise<DemoServices> {
  const running: RunningService[] = [];
  const killAll = () => running.forEach((s) => s.child.kill('SIGKILL'));
  process.once('exit', killAll); // a crash of this process must not leave children behind
  const start = async (name: string, env: Record<string, string> = {}) => {
    const s = await startService(name, { ...env, ...otelEnv(name, opts) }, opts.onLog);
    running.push(s);
    return s.url;
  };
  try {
    const [inventory, pricing, payments] = await Promise.all([start('inventory'), start('pricing-api'), start('payments')]);
    const [checkout, legacy] = await Promise.all([
      start('checkout', { INVENTORY_URL: inventory, PRICING_URL: pricing, PAYMENTS_URL: payments }),
      start('legacy', { INVENTORY_URL: inventory }),
    ]);
    const frontendUrl = await start('frontend', { CHECKOUT_URL: checkout, LEGACY_URL: legacy });
    return {
      services: running,
      frontendUrl,
      async stop(graceMs = 5_000) {
        await Promise.all(running.map((s) => stopChild(s.child, graceMs)));
        process.removeListener('exit', killAll);
      },
    };
  } catch (err) {
    killAll();
    process.removeListener('exit', killAll);
    throw err;
  }
}

function otelEnv(name: string, opts: DemoServiceOptions): Record<string, string> {
  if (name === 'pricing-api') return {}; // the third party: no SDK, nothing to configure
  return {
    OTEL_SERVICE_NAME: name,
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.otlpUrl,
    OTEL_BSP_SCHEDULE_DELAY: String(opts.exportDelayMs ?? 500),
    // Current HTTP conventions (http.request.method, server.address, url.full) instead of the SDK's legacy default.
    OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
  };
}

function startService(name: string, env: Record<string, string>, onLog?: (line: string) => void): Promise<RunningService> {
  // A clean environment: the parent's NODE_OPTIONS (test runners set some) must not reach the services.
  const child = spawn(process.execPath, [path.join(SCRIPTS, `${name}.cjs`)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) if (line.trim() && onLog) onLog(`${name}: ${line}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not report its port within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${name} exited (${code}) before listening:\n${stderr}`)));
    child.on('message', (msg: { port?: number }) => {
      if (typeof msg?.port !== 'number') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name, url: `http://127.0.0.1:${msg.port}`, pid: child.pid!, child });
    });
  });
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
