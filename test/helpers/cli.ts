import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** The compiled CLI, as `npm start` and the published package run it (`npm test` builds it first). */
export const MAIN = path.join(PACKAGE_ROOT, 'dist/main.js');

/** Listeners a test does not name get any free port, so test files running at once never collide on 9411. */
const FREE_PORTS = { TRACELITE_ZIPKIN_PORT: '0' };

export function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...FREE_PORTS, ...env },
    timeout: 20_000,
  });
}

export interface RunningCli {
  child: ChildProcess;
  uiUrl: string;
  otlpUrl: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts a command that runs tracelite and waits for its two listener lines. */
export async function startCli(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; processGroup?: boolean } = {},
): Promise<RunningCli> {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? PACKAGE_ROOT,
    // Its own process group, so a test can signal the whole group as a terminal's Ctrl-C does.
    detached: opts.processGroup ?? false,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...FREE_PORTS, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const ui = /UI and API\s+(http:\/\/\S+?)\/?$/m.exec(out);
    const otlp = /OTLP\/HTTP receiver\s+(http:\/\/\S+?)\/v1\/traces$/m.exec(out);
    if (ui && otlp) return { child, uiUrl: ui[1], otlpUrl: otlp[1], output: () => out, exit };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tracelite did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
