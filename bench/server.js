// The server under test, as a child process: `node <main.js> --db <file> --ui-port 0 --otlp-http-port 0` (and
// TRACELITE_OTLP_GRPC_PORT=0: a variable, so a build without gRPC still starts).
// TRACELITE_MAIN picks main.js (default dist/main.js), so the same harness measures any build of tracelite.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export const MAIN = path.resolve(process.env.TRACELITE_MAIN ?? 'dist/main.js');
const STARTUP_TIMEOUT_MS = 120_000;

/** Servers still running: killed if the bench stops first (Ctrl-C, a crash), so none is left behind. */
const running = new Set();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

/**
 * No retention or size limit (TRACELITE_RETENTION, _MAX_SPANS, _MAX_DB_SIZE; a server without those flags ignores
 * the variables): the read database must keep all its spans however old they get. Ingest runs use the defaults.
 */
export const NO_LIMITS = { TRACELITE_RETENTION: '0', TRACELITE_MAX_SPANS: '0', TRACELITE_MAX_DB_SIZE: '0' };

/**
 * Spawns tracelite on `db` (extra environment variables in `env`) and resolves once both listening lines are
 * printed. `startupMs` is spawn → the last of them; `pid` is the server itself (node runs main.js, no shell).
 */
export function startServer(db, env = {}) {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} not found: build it, or set TRACELITE_MAIN`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN, '--db', db, '--ui-port', '0', '--otlp-http-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRACELITE_OTLP_GRPC_PORT: '0', ...env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`tracelite ${why}\n--- stdout\n${out}\n--- stderr\n${err}`));
    };
    const early = (code, signal) => fail(`exited (${code ?? signal}) before listening`);
    const timer = setTimeout(() => fail(`not listening after ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    child.once('exit', early);
    let listening = false;
    child.stdout.on('data', (d) => {
      out += d;
      const otlp = /OTLP\/HTTP receiver\s+(http:\/\/\S+?)\/v1\/traces/.exec(out);
      const ui = /UI and API\s+(http:\/\/\S+?)\/?\s/.exec(out);
      const grpcUrl = /OTLP\/gRPC receiver\s+(http:\/\/\S+)/.exec(out)?.[1]; // printed before the UI line
      if (listening || !otlp || !ui) return;
      listening = true;
      const startupMs = performance.now() - t0;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({ child, pid: child.pid, otlpUrl: otlp[1], otlpGrpcUrl: grpcUrl, uiUrl: ui[1], startupMs, output: () => out + err });
    });
  });
}

/** Peak resident set size of a live process in bytes (VmHWM), or undefined where /proc has no such line. */
export function peakRssBytes(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

/** SIGTERM, then waits for the exit (SIGKILL after 60 s). Resolves to the exit code (null if killed). */
export function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Bytes of the database: every file named after it (the file, its WAL, any sidecar) except the -shm index. */
export function dbBytes(file) {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(base) && !f.endsWith('-shm')) bytes += fs.statSync(path.join(dir, f)).size;
  }
  return bytes;
}

/** CPU seconds (user + system, all threads) a live process has used so far; Linux USER_HZ is 100. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the whole machine has been busy (every state but idle and iowait), from /proc/stat. */
function machineBusySeconds() {
  const [, ...t] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / 100;
}

/**
 * Starts measuring CPU; the returned function gives cores used since then by the server (`pid`, optional), this
 * bench process, and everything else on the machine (`others`: another job on a shared machine shows here).
 */
export function cpuMeter(pid) {
  const t0 = performance.now();
  const start = [pid ? cpuSeconds(pid) : 0, process.cpuUsage(), machineBusySeconds()];
  return () => {
    const s = (performance.now() - t0) / 1000;
    const server = pid ? (cpuSeconds(pid) - start[0]) / s : 0;
    const own = process.cpuUsage(start[1]);
    const client = (own.user + own.system) / 1e6 / s;
    const others = Math.max(0, (machineBusySeconds() - start[2]) / s - server - client);
    return { server, client, others };
  };
}

/** page_size, user_version and a hash of the schema's SQL, read-only. */
export function schemaOf(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const sql = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
    return {
      pageSize: db.pragma('page_size', { simple: true }),
      userVersion: db.pragma('user_version', { simple: true }),
      schemaHash: crypto.createHash('sha1').update(JSON.stringify(sql)).digest('hex').slice(0, 8),
    };
  } finally {
    db.close();
  }
}

/** The schema a fresh database of this server gets: started on a temp file, stopped, read. */
export async function probeSchema() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-probe-'));
  try {
    const db = path.join(dir, 'probe.db');
    await stopServer(await startServer(db));
    return schemaOf(db);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tracelite-bench-${prefix}-`));
}
