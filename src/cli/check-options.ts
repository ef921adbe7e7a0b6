import { parseArgs } from 'node:util';
import { parseDuration } from '../query/params.js';

/** `tracelite check` flags: parsed and validated up front, so a typo fails before any request is sent. */
export interface CheckOptions {
  url: URL;
  expect: string[];
  server: URL;
  method: string;
  timeoutMs: number;
  /** The trace counts as complete once its span count has not changed for this long. */
  settleMs: number;
}

/** A bad or missing flag: exit status 2, the message names the flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const FLAGS = [
  { name: 'url', help: 'the URL to send one request to (required)', default: '' },
  { name: 'expect', help: 'comma-separated services the trace must pass through in order (required)', default: '' },
  { name: 'server', help: 'tracelite UI/API base URL (spans are exported there too)', default: 'http://127.0.0.1:16686' },
  { name: 'method', help: 'HTTP method of the request', default: 'GET' },
  { name: 'timeout', help: 'longest wait for the request and then for the trace', default: '15s' },
  // The SDK's batch processor exports every 5 s by default: 6 s without a new span means it is all there.
  { name: 'settle', help: 'how long the span count must stay unchanged before the verdict', default: '6s' },
] as const;

export function checkUsage(): string {
  const lines = [
    'Usage: tracelite check --url URL --expect a,b,c [flags]',
    '',
    'Sends one request with a fresh traceparent, waits for its trace in tracelite, prints it and checks that',
    'it passes through the expected services in order. Exit 0: the chain holds; 1: a link is missing;',
    '2: bad flags, or the URL or tracelite cannot be reached.',
    '',
    'Flags:',
  ];
  for (const f of FLAGS) lines.push(`  --${f.name.padEnd(9)} ${f.help}${f.default ? ` (default ${f.default})` : ''}`);
  lines.push(`  --${'help'.padEnd(9)} print this and exit`);
  return lines.join('\n');
}

export function parseCheckArgs(argv: readonly string[]): CheckOptions | 'help' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const f of FLAGS) options[f.name] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const get = (name: (typeof FLAGS)[number]['name']): string => {
    const v = values[name];
    return typeof v === 'string' ? v : FLAGS.find((f) => f.name === name)!.default;
  };
  return {
    url: httpUrl('--url', get('url')),
    expect: services(get('expect')),
    server: httpUrl('--server', get('server')),
    method: method(get('method')),
    timeoutMs: duration('--timeout', get('timeout')),
    settleMs: duration('--settle', get('settle')),
  };
}

function httpUrl(flag: string, text: string): URL {
  if (text === '') throw new UsageError(`${flag} is required`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a URL like http://127.0.0.1:8080/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag}: "${text}" is not an http(s) URL`);
  return url;
}

function services(text: string): string[] {
  if (text === '') throw new UsageError('--expect is required: the services the trace must pass through, like frontend,checkout,payments');
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '')) throw new UsageError(`--expect: "${text}" has an empty service name`);
  return list;
}

function method(text: string): string {
  if (!/^[A-Za-z]+$/.test(text)) throw new UsageError(`--method: "${text}" is not an HTTP method like GET or POST`);
  return text.toUpperCase();
}

function duration(flag: string, text: string): number {
  let ns: bigint;
  try {
    ns = parseDuration(text, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (ns <= 0n) throw new UsageError(`${flag} must be more than zero, got "${text}"`);
  return Number(ns / 1_000_000n) || 1;
}
