import { parseArgs } from 'node:util';

/** Everything tracelite can be told at start. Built once by loadConfig, frozen, passed down. */
export interface Config {
  host: string;
  uiPort: number;
  otlpHttpPort: number;
  db: string;
  /** Origins allowed to POST /v1/traces from a browser; ['*'] for any, [] for no CORS. */
  corsOrigins: readonly string[];
  /** Spans accepted but not yet committed before ingest answers 503. */
  queueSpans: number;
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
  { name: 'db', help: 'SQLite database file, created with its folder if missing', default: 'data/tracelite.db' },
  {
    name: 'cors-origins',
    help: 'comma-separated origins allowed to send spans from a browser (* = any); default * on loopback, none otherwise',
    default: '',
  },
  { name: 'queue-spans', help: 'spans waiting to be written before ingest answers 503', default: '200000' },
];

export function envName(flag: string): string {
  return 'TRACELITE_' + flag.toUpperCase().replaceAll('-', '_');
}

export function usage(): string {
  const lines = [
    'Usage: tracelite [flags]',
    '       tracelite check --url URL --expect a,b,c [flags]   check a request\'s trace (tracelite check --help)',
    '       tracelite demo [flags]                              tracelite with demo services (tracelite demo --help)',
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
    db: nonEmpty(raw('db')),
    corsOrigins: origins(raw('cors-origins'), host.value),
    queueSpans: positiveInt(raw('queue-spans')),
  };
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
