import { ConfigError, FLAGS, loadConfig, type Config } from '../config.js';
import { packageVersion } from '../paths.js';
import { cliCommand, guide } from './guide.js';
import { startDemoServices, type DemoServices } from './services.js';
import { startTracelite, type Tracelite } from '../server.js';
import { startTraffic } from './traffic.js';

/**
 * `tracelite demo`: tracelite in this process, six demo services as child processes sending it real SDK
 * traces, and a request a second. Runs until SIGINT/SIGTERM, then stops traffic, lets every service flush
 * its spans, closes tracelite and exits 0.
 */

/** Its own file so demo spans never mix with real data. */
const DEMO_DB = 'data/demo.db';
const DEMO_FLAGS = ['host', 'ui-port', 'otlp-http-port', 'otlp-grpc-port', 'zipkin-port', 'db'];

export function demoUsage(): string {
  const lines = ['Usage: tracelite demo [flags]', '', 'Starts tracelite with demo services and traffic that show every lesson.', '', 'Flags:'];
  for (const f of FLAGS.filter((x) => DEMO_FLAGS.includes(x.name))) {
    lines.push(`  --${f.name.padEnd(16)} ${f.help} (default ${f.name === 'db' ? DEMO_DB : f.default})`);
  }
  return lines.join('\n');
}

export async function runDemo(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config;
  try {
    for (const a of argv) {
      const name = /^--([^=]+)/.exec(a)?.[1];
      if (name && name !== 'help' && name !== 'version' && !DEMO_FLAGS.includes(name)) throw new ConfigError(`--${name} is not a demo flag`);
    }
    // The demo's own default database, ahead of argv so an explicit --db (parsed later) still wins; TRACELITE_DB
    // is ignored because it points at real data.
    const result = loadConfig({ ...env, TRACELITE_DB: undefined }, ['--db', DEMO_DB, ...argv]);
    if (result.kind !== 'run') {
      console.log(result.kind === 'help' ? demoUsage() : packageVersion());
      return 0;
    }
    config = result.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`tracelite demo: ${err.message}\nRun tracelite demo --help for the flags.`);
    return 2;
  }

  let tracelite: Tracelite;
  try {
    // The demo's services export every 500 ms, so the service graph may decide unanswered calls sooner than the
    // 6 s a default SDK (5 s) needs.
    tracelite = await startTracelite(config, { logLevel: 'warn', graceMs: 2_000 });
  } catch (err) {
    console.error(`tracelite demo: cannot start tracelite: ${(err as Error).message}`);
    return 1;
  }
  console.log(`tracelite ${packageVersion()} demo, database ${config.db}`);
  console.log(`${'OTLP/HTTP receiver'.padEnd(18)} ${tracelite.otlpUrl}/v1/traces`);
  console.log(`${'OTLP/gRPC receiver'.padEnd(18)} ${tracelite.otlpGrpcUrl}`);
  console.log(`${'Zipkin receiver'.padEnd(18)} ${tracelite.zipkinUrl}/api/v2/spans`);
  console.log(`${'UI and API'.padEnd(18)} ${tracelite.uiUrl}/`);

  let services: DemoServices;
  try {
    services = await startDemoServices({ otlpUrl: tracelite.otlpUrl, onLog: (line) => console.error(line) });
  } catch (err) {
    console.error(`tracelite demo: ${(err as Error).message}`);
    await tracelite.close();
    return 1;
  }
  for (const s of services.services) console.log(`demo service ${s.name.padEnd(12)} ${s.url} (pid ${s.pid})`);
  console.log(guide(tracelite.uiUrl, services.frontendUrl, cliCommand(process.argv[1], process.cwd())));

  const traffic = startTraffic(`${services.frontendUrl}/`, { onSummary: (line) => console.log(line) });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.log(`tracelite demo: ${signal} received, stopping the services and tracelite`);
  // Order matters: services flush their last spans into tracelite, so tracelite closes last.
  await traffic.stop();
  await services.stop();
  await tracelite.close();
  return 0;
}
