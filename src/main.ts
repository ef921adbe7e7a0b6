#!/usr/bin/env node
import closeWithGrace from 'close-with-grace';
import { ConfigError, isLoopback, loadConfig, usage, type Config } from './config.js';
import { packageVersion } from './paths.js';
import { PolicyError } from './sampling/policy.js';
import { ListenError, startTracelite, type Tracelite } from './server.js';

async function main(): Promise<void> {
  // Subcommands, loaded only when asked for; anything else is `tracelite [flags]` as before.
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'check') return exitWith(await (await import('./cli/check.js')).runCheck(rest));
  if (command === 'import') return exitWith(await (await import('./cli/import.js')).runImport(rest));
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
  console.log(`tracelite ${packageVersion()}, database ${config.db}`);
  let tracelite: Tracelite;
  try {
    tracelite = await startTracelite(config, { logLevel: 'warn' });
  } catch (err) {
    // An unusable --sampling policy is a configuration error, like a bad flag: status 2.
    if (err instanceof PolicyError) {
      console.error(`tracelite: --sampling: ${err.message}\nRun tracelite --help for the flags.`);
      process.exit(2);
    }
    if (!(err instanceof ListenError)) throw err;
    console.error(`tracelite: ${err.message}`);
    process.exit(1);
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) console.error('tracelite: stopping after an unexpected error:', err);
    else if (signal) console.log(`tracelite: ${signal} received, flushing and stopping`);
    await tracelite.close();
  });
  console.log(`${'OTLP/HTTP receiver'.padEnd(18)} ${tracelite.otlpUrl}/v1/traces`);
  console.log(`${'OTLP/gRPC receiver'.padEnd(18)} ${tracelite.otlpGrpcUrl}`);
  console.log(`${'Zipkin receiver'.padEnd(18)} ${tracelite.zipkinUrl}/api/v2/spans`);
  console.log(`${'UI and API'.padEnd(18)} ${tracelite.uiUrl}/`);
  if (!isLoopback(config.host)) {
    console.warn(
      `tracelite: warning: listening on ${config.host}, not only on this machine: anyone who can reach it can send spans` +
        (config.authToken ? ' (each receiver, page and API requires --auth-token).' : ' and read every trace. Set --auth-token (or TRACELITE_AUTH_TOKEN) to require a token.'),
    );
  }
  if (config.forward) console.log(`${'Forwarding to'.padEnd(18)} ${config.forward.url} (OTLP/HTTP protobuf, queue ${config.forwardQueueSpans} spans)`);
}

/** process.exitCode, not process.exit(): stdout still drains when it is a pipe (CI logs keep the last lines). */
function exitWith(code: number): void {
  process.exitCode = code;
}

main().catch((err) => {
  console.error('tracelite:', err);
  process.exit(1);
});
