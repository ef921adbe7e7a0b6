import type { FastifyInstance } from 'fastify';
import { buildOtlpApp, buildUiApp } from './app.js';
import type { Config } from './config.js';
import { GroupCommitWriter } from './ingest/pipeline.js';
import { createQueryService } from './query/index.js';
import { SqliteAnalysisReader } from './store/analysis-reader.js';
import { migrate } from './store/migrate.js';
import { checkpoint, openDatabase } from './store/open.js';
import { SqliteTraceReader } from './store/reader.js';
import { SqliteStatsReader } from './store/stats-reader.js';
import { SqliteSpanWriter } from './store/writer.js';

/** Lazy WAL checkpoints keep commits fast; this timer keeps the WAL small. Every 1 s the worst checkpoint stall
 * measured ~250 ms against ~600 ms every 5 s, for the same total cost (bench/insert.js). */
const CHECKPOINT_EVERY_MS = 1_000;

/** A listener that could not bind; the message names it and the address. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** A running tracelite: `npx tracelite`, `tracelite demo` and the tests all start it through here. */
export interface Tracelite {
  ui: FastifyInstance;
  otlp: FastifyInstance;
  /** `http://host:port`, without a trailing slash; '' when started with `listen: false`. */
  uiUrl: string;
  otlpUrl: string;
  reader: SqliteTraceReader;
  pipeline: GroupCommitWriter;
  /** Stops accepting, waits for in-flight requests, commits what they queued, closes the database. */
  close(): Promise<void>;
}

type ServerConfig = Pick<Config, 'host' | 'uiPort' | 'otlpHttpPort' | 'db' | 'corsOrigins' | 'queueSpans'>;

export async function startTracelite(
  config: ServerConfig,
  opts: { listen?: boolean; logLevel?: 'silent' | 'warn'; now?: () => number } = {},
): Promise<Tracelite> {
  const db = openDatabase(config.db);
  migrate(db);
  const reader = new SqliteTraceReader(db);
  const pipeline = new GroupCommitWriter(new SqliteSpanWriter(db), { maxQueuedSpans: config.queueSpans });
  const timer = setInterval(() => checkpoint(db), CHECKPOINT_EVERY_MS);
  timer.unref();
  const urls = { ui: '', otlp: '' };
  const now = opts.now ?? Date.now;
  const query = createQueryService({ traces: reader, analysis: new SqliteAnalysisReader(db), stats: new SqliteStatsReader(db), now });
  const deps = {
    query,
    sink: pipeline,
    config,
    logLevel: opts.logLevel ?? 'silent',
    otlpEndpoint: () => urls.otlp || `http://${config.host}:${config.otlpHttpPort}`,
    now,
  };
  const otlp = await buildOtlpApp(deps);
  const ui = await buildUiApp(deps);
  const close = async () => {
    await Promise.all([ui.close(), otlp.close()]);
    await pipeline.close();
    clearInterval(timer);
    db.close();
  };
  try {
    if (opts.listen === false) {
      await Promise.all([ui.ready(), otlp.ready()]);
    } else {
      urls.otlp = await listen(otlp, 'OTLP/HTTP receiver', config.host, config.otlpHttpPort);
      urls.ui = await listen(ui, 'UI and API', config.host, config.uiPort);
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return { ui, otlp, uiUrl: urls.ui, otlpUrl: urls.otlp, reader, pipeline, close };
}

async function listen(app: FastifyInstance, name: string, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw new ListenError(`cannot listen on ${host}:${port} for ${name}: ${(err as Error).message}`);
  }
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${actual}`;
}
