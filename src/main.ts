#!/usr/bin/env node
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildOtlpApp, buildUiApp } from './app.js';
import { ConfigError, loadConfig, usage, type Config } from './config.js';
import { GroupCommitWriter } from './ingest/pipeline.js';
import { packageVersion } from './paths.js';
import { migrate } from './store/migrate.js';
import { checkpoint, openDatabase } from './store/open.js';
import { SqliteAnalysisReader } from './store/analysis-reader.js';
import { SqliteTraceReader } from './store/reader.js';
import { SqliteSpanWriter } from './store/writer.js';

/** Lazy WAL checkpoints keep commits fast; this timer keeps the WAL small. Every 1 s the worst checkpoint stall
 * measured ~250 ms against ~600 ms every 5 s, for the same total cost (bench/insert.js). */
const CHECKPOINT_EVERY_MS = 1_000;

async function main(): Promise<void> {
  // Subcommands, loaded only when asked for; anything else is `tracelite [flags]` as before.
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'check') return exitWith(await (await import('./cli/check.js')).runCheck(rest));
  if (command === 'demo') return exitWith(await (await import('./demo/demo.js')).runDemo(rest, process.env));

  let config: Config;
  try {
    const result = loadConfig(process.env, process.argv.slice(2));
    if (result.kind === 'help') return void console.log(usage());
    if (result.kind === 'version') return void console.log(packageVersion());
    config = result.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`tracelite: ${err.message}\nRun tracelite --help for the flags.`);
    process.exit(2);
  }
  await run(config);
}

async function run(config: Config): Promise<void> {
  const db = openDatabase(config.db);
  migrate(db);
  const pipeline = new GroupCommitWriter(new SqliteSpanWriter(db), { maxQueuedSpans: config.queueSpans });
  const analysis = new SqliteAnalysisReader(db);
  const deps = { reader: new SqliteTraceReader(db), analysis, sink: pipeline, config, logLevel: 'warn' as const };
  const servers: FastifyInstance[] = [];
  const timer = setInterval(() => checkpoint(db), CHECKPOINT_EVERY_MS);
  timer.unref();

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) console.error('tracelite: stopping after an unexpected error:', err);
    else if (signal) console.log(`tracelite: ${signal} received, flushing and stopping`);
    // Closing the servers first waits for in-flight requests, whose spans the pipeline then commits.
    await Promise.all(servers.map((s) => s.close()));
    await pipeline.close();
    clearInterval(timer);
    db.close();
  });

  const listen = async (name: string, app: FastifyInstance, port: number, path: string) => {
    servers.push(app);
    try {
      await app.listen({ host: config.host, port });
    } catch (err) {
      console.error(`tracelite: cannot listen on ${config.host}:${port} for ${name}: ${(err as Error).message}`);
      process.exit(1);
    }
    const addr = app.server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    console.log(`${name.padEnd(18)} http://${host}:${actual}${path}`);
  };

  console.log(`tracelite ${packageVersion()}, database ${config.db}`);
  await listen('OTLP/HTTP receiver', await buildOtlpApp(deps), config.otlpHttpPort, '/v1/traces');
  await listen('UI and API', await buildUiApp(deps), config.uiPort, '/');
}

/** process.exitCode, not process.exit(): stdout still drains when it is a pipe (CI logs keep the last lines). */
function exitWith(code: number): void {
  process.exitCode = code;
}

main().catch((err) => {
  console.error('tracelite:', err);
  process.exit(1);
});
