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
  /** `--forward`: where kept spans go upstream over OTLP/HTTP protobuf; null = not forwarded. */
  forward: ForwardTarget | null;
  /** Spans the forwarder holds at most while the upstream is slow or down (then it drops new ones, counted). */
  forwardQueueSpans: number;
  /** `--auth-token`: the Bearer token (or login) every UI page, API route and receiver requires; '' = none. */
  authToken: string;
  /** Host names the UI port answers to besides the loopback names and `host` (DNS rebinding guard). */
  allowedHosts: readonly string[];
  /** String and bytes attribute values longer (UTF-8 bytes) are cut at ingest and marked `tracelite.truncated`; 0 = no limit. */
  maxAttributeLength: number;
  /** Largest request body (after decompression) and gRPC message the receivers take; beyond, 413 / RESOURCE_EXHAUSTED. */
  maxBodyBytes: number;
}

/** An upstream OTLP/HTTP endpoint, checked at start. */
export interface ForwardTarget {
  /** The URL POSTed to: `/v1/traces` appended when the path was empty; credentials taken out. */
  url: string;
  /** `--forward-header`s in order, plus `authorization: Basic …` from `user:password@` in the URL. */
  headers: ReadonlyArray<readonly [name: string, value: string]>;
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
  /** May be given more than once (collected in order). */
  multiple?: boolean;
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
  { name: 'forward', help: 'send kept spans upstream over OTLP/HTTP protobuf to this base URL (http://collector:4318)', default: '' },
  {
    name: 'forward-header',
    help: "a header for --forward, 'name=value' (repeatable; the variable takes a comma-separated list, values %-encoded)",
    default: '',
    multiple: true,
  },
  { name: 'auth-token', help: 'require this token (Authorization: Bearer, or the UI\'s login form) on every page, API and receiver', default: '' },
  { name: 'allowed-hosts', help: 'comma-separated host names the UI port answers to besides localhost and --host (DNS rebinding guard)', default: '' },
  { name: 'forward-queue', help: 'spans held for --forward while the upstream is slow or down; beyond, new ones are dropped', default: '100000' },
  {
    name: 'max-attribute-length',
    help: 'string/bytes attribute values longer (bytes) are cut at ingest, marked tracelite.truncated; 0 = no limit',
    default: '64KiB',
  },
  { name: 'max-body-size', help: 'largest request body after decompression, and gRPC message (1KiB-1GiB)', default: '64MiB' },
];

/** `--max-attribute-length`'s default, 64 KiB, also for servers started without a Config (tests, demo). */
export const DEFAULT_MAX_ATTRIBUTE_LENGTH = 64 * 1024;

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
  const flagWidth = Math.max(16, ...FLAGS.map((f) => f.name.length));
  const envWidth = Math.max(28, ...FLAGS.map((f) => envName(f.name).length));
  for (const f of FLAGS) {
    const dflt = f.default === '' ? '' : ` (default ${f.default})`;
    lines.push(`  --${f.name.padEnd(flagWidth)} ${envName(f.name).padEnd(envWidth)} ${f.help}${dflt}`);
  }
  lines.push(`  --${'help'.padEnd(flagWidth)} ${''.padEnd(envWidth)} print this and exit`);
  lines.push(`  --${'version'.padEnd(flagWidth)} ${''.padEnd(envWidth)} print the version and exit`);
  return lines.join('\n');
}

/** Flags win over TRACELITE_* variables, which win over defaults. Throws ConfigError naming the bad key. */
export function loadConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): ConfigResult {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const f of FLAGS) options[f.name] = f.multiple ? { type: 'string', multiple: true } : { type: 'string' };
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
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
    forward: forwardTarget(raw('forward'), forwardHeaders(values['forward-header'] as string[] | undefined, env)),
    forwardQueueSpans: positiveInt(raw('forward-queue')),
    authToken: authToken(raw('auth-token')),
    allowedHosts: hostList(raw('allowed-hosts')),
    maxAttributeLength: limitSize(raw('max-attribute-length'), 0, 2 ** 31 - 1, '0 = no limit'),
    maxBodyBytes: limitSize(raw('max-body-size'), 1024, 2 ** 30, '1KiB to 1GiB'),
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

/** A byte count like 65536, 64KiB, 1MB or 0, between `min` (0 allowed when min is 0) and `max`. */
function limitSize({ value, source }: { value: string; source: string }, min: number, max: number, range: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toUpperCase()] : undefined;
  const n = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${source}: "${value}" is not a size like 65536, 64KiB or 1MB (${range})`);
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

function authToken({ value, source }: { value: string; source: string }): string {
  if (value !== '' && !/^[\x21-\x7e]{8,}$/.test(value)) throw new ConfigError(`${source}: the token must be at least 8 printable characters without spaces`);
  return value;
}

function hostList({ value, source }: { value: string; source: string }): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const h of list) {
    if (!/^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(h)) throw new ConfigError(`${source}: "${h}" is not a host name (no port, no scheme)`);
  }
  return list;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * `--forward`: an OTLP/HTTP base URL as in OTEL_EXPORTER_OTLP_ENDPOINT: `/v1/traces` is appended to its path
 * (`http://collector:4318` → `/v1/traces`, Grafana Cloud's `…/otlp` → `/otlp/v1/traces`), unless the path already
 * ends in `/v1/traces` (a full traces URL pasted in, which the SDKs would turn into `/v1/traces/v1/traces`).
 * `user:password@` becomes an `authorization: Basic` header (fetch refuses URLs with credentials), unless a
 * `--forward-header authorization=…` is given.
 */
function forwardTarget({ value, source }: { value: string; source: string }, headers: Array<[string, string]>): ForwardTarget | null {
  if (value === '') {
    if (headers.length > 0) throw new ConfigError('--forward-header: needs --forward');
    return null;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source}: "${value}" is not a URL like http://collector:4318`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${source}: "${value}" must be an http:// or https:// URL`);
  if (url.hash || url.search) throw new ConfigError(`${source}: "${value}": a query or fragment is not part of an OTLP endpoint`);
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = url.pathname.replace(/\/+$/, '') + '/v1/traces';
  if ((url.username || url.password) && !headers.some(([k]) => k === 'authorization')) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.push(['authorization', `Basic ${Buffer.from(credentials).toString('base64')}`]);
  }
  url.username = url.password = '';
  return { url: url.href, headers };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Set by the forwarder itself. */
const OWN_HEADERS = new Set(['content-type', 'content-encoding', 'content-length', 'host', 'transfer-encoding', 'connection']);

/** Flags as given; TRACELITE_FORWARD_HEADER as OTEL_EXPORTER_OTLP_HEADERS writes them (`k=v,k2=v2`, values %-decoded). */
function forwardHeaders(flags: string[] | undefined, env: NodeJS.ProcessEnv): Array<[string, string]> {
  const name = envName('forward-header');
  const given: Array<{ text: string; source: string; decode: boolean }> = flags?.length
    ? flags.map((text) => ({ text, source: '--forward-header', decode: false }))
    : (env[name] ?? '').split(',').filter((t) => t.trim() !== '').map((text) => ({ text, source: name, decode: true }));
  return given.map(({ text, source, decode }) => {
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? '' : text.slice(eq + 1).trim();
    if (eq < 0 || !TOKEN.test(key)) throw new ConfigError(`${source}: "${text}" is not name=value with a header name`);
    if (OWN_HEADERS.has(key)) throw new ConfigError(`${source}: "${key}" is set by tracelite itself`);
    if (decode) {
      try {
        value = decodeURIComponent(value);
      } catch {
        throw new ConfigError(`${source}: the value of "${key}" is not %-encoded text`);
      }
    }
    if (/[\r\n\0]/.test(value)) throw new ConfigError(`${source}: the value of "${key}" has a line break`);
    return [key, value];
  });
}
