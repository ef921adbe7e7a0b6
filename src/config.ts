import { parseArgs } from 'node:util';

/** Everything tracelite can be told at start. Built once by loadConfig, frozen, passed down. */
export interface Config {
  host: string;
  uiPort: number;
  otlpHttpPort: number;
  /** OTLP/gRPC receiver (4317). */
  otlpGrpcPort: number;
  /** Zipkin v2 receiver (POST /api/v2/spans). */
  zipkinPort: number;
  db: string;
  /** Origins allowed to POST /v1/traces from a browser; ['*'] for any, [] for no CORS. */
  corsOrigins: readonly string[];
  /** Spans accepted but not yet committed before ingest answers 503. */
  queueSpans: number;
  /** Traces that started longer ago are deleted (ms); 0 keeps them. */
  retentionMs: number;
  /** At most this many spans are kept, the oldest traces deleted first; 0 = no limit. */
  maxSpans: number;
  /** The database file is kept under this many bytes; 0 = no limit. */
  maxDbBytes: number;
  /** Tail sampling: 'off', 'starter', or the path of a policy file (read and checked at start, server.ts). */
  sampling: string;
  /** A trace whose root span ended is decided once no span arrived for this long (ms). */
  decisionWaitMs: number;
  /** Any trace is decided at this age (ms), root span or not. */
  samplingMaxAgeMs: number;
  /** Spans the sampler holds undecided at most; beyond it the oldest traces are decided early. */
  samplingBuffer: number;
}

/** A bad flag or environment variable; main prints it and exits with status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type ConfigResult = { kind: 'run'; config: Config } | { kind: 'help' } | { kind: 'version' };

interface FlagSpec {
  name: string;
  /** Shown in --help. */
  help: string;
  default: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'host', help: 'address every listener binds to', default: '127.0.0.1' },
  { name: 'ui-port', help: 'port of the UI and REST API (Jaeger UI port)', default: '16686' },
  { name: 'otlp-http-port', help: 'port of the OTLP/HTTP receiver', default: '4318' },
  { name: 'otlp-grpc-port', help: 'port of the OTLP/gRPC receiver', default: '4317' },
  { name: 'zipkin-port', help: 'port of the Zipkin v2 receiver (POST /api/v2/spans)', default: '9411' },
  { name: 'db', help: 'SQLite database file, created with its folder if missing', default: 'data/tracelite.db' },
  {
    name: 'cors-origins',
    help: 'comma-separated origins allowed to send spans from a browser (* = any); default * on loopback, none otherwise',
    default: '',
  },
  { name: 'queue-spans', help: 'spans waiting to be written before ingest answers 503', default: '200000' },
  { name: 'retention', help: 'delete traces older than this (30m, 12h, 7d; 0 = keep)', default: '7d' },
  { name: 'max-spans', help: 'keep at most this many spans, deleting the oldest traces (0 = no limit)', default: '0' },
  { name: 'max-db-size', help: 'keep the database file under this size (500MB, 1GB; 0 = no limit)', default: '1GB' },
  { name: 'sampling', help: 'tail sampling: off, starter (errors, p99-slow, 1 % of the rest) or a policy.json file', default: 'off' },
  { name: 'decision-wait', help: 'decide a trace this long after its last span, once its root span ended (500ms, 5s)', default: '5s' },
  { name: 'sampling-max-age', help: 'decide a trace at this age even without its root span (30s, 2m)', default: '30s' },
  { name: 'sampling-buffer', help: 'spans held for a decision; when full the oldest traces are decided early', default: '200000' },
];

export function envName(flag: string): string {
  return 'TRACELITE_' + flag.toUpperCase().replaceAll('-', '_');
}

export function usage(): string {
  const lines = [
    'Usage: tracelite [flags]',
    '       tracelite check --url URL --expect a,b,c [flags]   check a request\'s trace (tracelite check --help)',
    '       tracelite demo [flags]                              tracelite with demo services (tracelite demo --help)',
    '       tracelite import [--url URL] FILE…                  import trace files (tracelite import --help)',
    '',
    'Flags (each also as an environment variable):',
  ];
  for (const f of FLAGS) {
    const dflt = f.default === '' ? '' : ` (default ${f.default})`;
    lines.push(`  --${f.name.padEnd(16)} ${envName(f.name).padEnd(28)} ${f.help}${dflt}`);
  }
  lines.push(`  --${'help'.padEnd(16)} ${''.padEnd(28)} print this and exit`);
  lines.push(`  --${'version'.padEnd(16)} ${''.padEnd(28)} print the version and exit`);
  return lines.join('\n');
}

/** Flags win over TRACELITE_* variables, which win over defaults. Throws ConfigError naming the bad key. */
export function loadConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): ConfigResult {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const f of FLAGS) options[f.name] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const raw = (name: string): { value: string; source: string } => {
    const flag = values[name];
    if (typeof flag === 'string') return { value: flag, source: `--${name}` };
    const fromEnv = env[envName(name)];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: envName(name) };
    return { value: FLAGS.find((f) => f.name === name)!.default, source: `--${name}` };
  };

  const host = raw('host');
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host.value)) throw new ConfigError(`${host.source}: "${host.value}" is not a host name or address`);
  const config: Config = {
    host: host.value,
    uiPort: port(raw('ui-port')),
    otlpHttpPort: port(raw('otlp-http-port')),
    otlpGrpcPort: port(raw('otlp-grpc-port')),
    zipkinPort: port(raw('zipkin-port')),
    db: nonEmpty(raw('db')),
    corsOrigins: origins(raw('cors-origins'), host.value),
    queueSpans: positiveInt(raw('queue-spans')),
    retentionMs: age(raw('retention')),
    maxSpans: count(raw('max-spans')),
    maxDbBytes: bytes(raw('max-db-size')),
    sampling: nonEmpty(raw('sampling')),
    decisionWaitMs: duration(raw('decision-wait')),
    samplingMaxAgeMs: duration(raw('sampling-max-age')),
    samplingBuffer: positiveInt(raw('sampling-buffer')),
  };
  if (config.samplingMaxAgeMs < config.decisionWaitMs) {
    throw new ConfigError(`--sampling-max-age: ${raw('sampling-max-age').value} is shorter than --decision-wait ${raw('decision-wait').value}`);
  }
  return { kind: 'run', config: Object.freeze(config) };
}

function port({ value, source }: { value: string; source: string }): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new ConfigError(`${source}: "${value}" is not a port (0-65535)`);
  return n;
}

function positiveInt({ value, source }: { value: string; source: string }): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new ConfigError(`${source}: "${value}" is not a positive integer`);
  return n;
}

function count({ value, source }: { value: string; source: string }): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new ConfigError(`${source}: "${value}" is not a whole number (0 = no limit)`);
  return n;
}

const AGE_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `12h`, `7d`, `90s`; `0` = keep everything. */
function age({ value, source }: { value: string; source: string }): number {
  if (value === '0') return 0;
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!m || Number(m[1]) === 0) throw new ConfigError(`${source}: "${value}" is not an age like 30m, 12h or 7d (0 = keep everything)`);
  return Number(m[1]) * AGE_UNITS[m[2]];
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `250ms`, `5s`, `2m`: more than 0. */
function duration({ value, source }: { value: string; source: string }): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  const ms = m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2]]) : 0;
  if (!m || ms < 1) throw new ConfigError(`${source}: "${value}" is not a duration like 500ms, 5s or 1m`);
  return ms;
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** `500MB`, `1GB`, `2GiB`, or bytes; `0` = no limit. */
function bytes({ value, source }: { value: string; source: string }): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`${source}: "${value}" is not a size like 500MB or 1GB (0 = no limit)`);
  const n = Math.round(Number(m[1]) * unit);
  if (n !== 0 && n < 10e6) throw new ConfigError(`${source}: "${value}" is too small: at least 10MB`);
  return n;
}

function nonEmpty({ value, source }: { value: string; source: string }): string {
  if (value.trim() === '') throw new ConfigError(`${source}: must not be empty`);
  return value;
}

function origins({ value, source }: { value: string; source: string }, host: string): string[] {
  if (value === '') return isLoopback(host) ? ['*'] : [];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of list) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw new ConfigError(`${source}: "${o}" is not an origin like http://localhost:3000`);
  }
  return list;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
