import { readFile } from 'node:fs/promises';

/**
 * `tracelite import [--url URL] FILE…`: posts each file to a running tracelite's POST /api/import (the format is
 * read from the content there) and prints one line per file. Exit 0 = every file imported, 1 = some file failed
 * (its line says why), 2 = usage error.
 */

const DEFAULT_URL = 'http://127.0.0.1:16686';

export function importUsage(): string {
  return [
    'Usage: tracelite import [--url URL] FILE…',
    '',
    'Imports trace files into a running tracelite (POST /api/import): OTLP JSON (the UI\'s download), the',
    'OpenTelemetry Collector file exporter\'s JSON lines, a Jaeger UI JSON download or a Zipkin v2 JSON array,',
    'gzipped or not, up to 100 MiB each. Prints one line per file: format, spans, traces, rejected.',
    '',
    `  --url URL    tracelite's UI and API address (default ${DEFAULT_URL})`,
    '  -h, --help   this text',
    '',
    'Exit status: 0 every file imported, 1 some file failed, 2 usage error.',
  ].join('\n');
}

interface ImportArgs {
  url: URL;
  files: string[];
}

class UsageError extends Error {}

export function parseImportArgs(argv: readonly string[]): ImportArgs | 'help' {
  let url = DEFAULT_URL;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--url' || a.startsWith('--url=')) {
      const v = a === '--url' ? argv[++i] : a.slice('--url='.length);
      if (v === undefined || v === '') throw new UsageError('--url needs a value, e.g. --url http://127.0.0.1:16686');
      url = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}`);
    else files.push(a);
  }
  if (files.length === 0) throw new UsageError('name at least one FILE to import');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url ${url} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url ${url} must be http or https`);
  return { url: parsed, files };
}

export async function runImport(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let args: ImportArgs | 'help';
  try {
    args = parseImportArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`tracelite import: ${e.message}\nRun tracelite import --help for the flags.`);
    return 2;
  }
  if (args === 'help') {
    out(importUsage());
    return 0;
  }
  const endpoint = new URL('/api/import', args.url).href;
  let failed = 0;
  for (const file of args.files) {
    const line = await importOne(endpoint, file);
    if (line.ok) out(line.text);
    else {
      failed++;
      err(line.text);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function importOne(endpoint: string, file: string): Promise<{ ok: boolean; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    return { ok: false, text: `${file}: cannot read: ${(e as Error).message}` };
  }
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, text: `${file}: cannot reach ${endpoint}: ${cause?.code ?? cause?.message ?? (e as Error).message}` };
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: not tracelite, or a proxy's page
  }
  if (res.status !== 200) {
    const why = typeof body.error === 'string' ? body.error : text.slice(0, 200);
    return { ok: false, text: `${file}: not imported (${res.status}): ${why}` };
  }
  if (typeof body.spans !== 'number') return { ok: false, text: `${file}: ${endpoint} answered 200 without an import result: is --url tracelite?` };
  const rejected = body.rejectedSpans as number;
  const reasons = Array.isArray(body.rejected) && body.rejected.length > 0 ? ` (${(body.rejected as string[]).slice(0, 3).join('; ')})` : '';
  const skipped = typeof body.skippedLines === 'number' && body.skippedLines > 0 ? `, ${body.skippedLines} lines of logs/metrics skipped` : '';
  return { ok: true, text: `${file}: ${String(body.format)}, ${body.spans} spans, ${String(body.traces)} traces, ${rejected} rejected${reasons}${skipped}` };
}
