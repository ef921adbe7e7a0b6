import type { FastifyInstance } from 'fastify';
import { buildOtlpApp, buildUiApp } from '../app.js';
import type { Config } from '../config.js';
import { GroupCommitWriter } from '../ingest/pipeline.js';
import { SqliteAnalysisReader } from '../store/analysis-reader.js';
import { migrate } from '../store/migrate.js';
import { checkpoint, openDatabase } from '../store/open.js';
import { SqliteTraceReader } from '../store/reader.js';
import { SqliteSpanWriter } from '../store/writer.js';

/**
 * tracelite in this process, wired as main.ts wires it, for the demo. main.ts keeps its own copy because it
 * hands shutdown to close-with-grace; the demo must stop its children (which flush their last spans into
 * these listeners) before the database closes, so it owns the order of shutdown.
 */
export interface InProcessTracelite {
  uiUrl: string;
  otlpUrl: string;
  close(): Promise<void>;
}

const CHECKPOINT_EVERY_MS = 1_000; // as in main.ts

export async function startTracelite(config: Config): Promise<InProcessTracelite> {
  const db = openDatabase(config.db);
  migrate(db);
  const pipeline = new GroupCommitWriter(new SqliteSpanWriter(db), { maxQueuedSpans: config.queueSpans });
  const analysis = new SqliteAnalysisReader(db);
  const deps = { reader: new SqliteTraceReader(db), analysis, sink: pipeline, config, logLevel: 'warn' as const };
  const timer = setInterval(() => checkpoint(db), CHECKPOINT_EVERY_MS);
  timer.unref();
  const servers: FastifyInstance[] = [];
  const close = async () => {
    await Promise.all(servers.map((s) => s.close()));
    await pipeline.close();
    clearInterval(timer);
    db.close();
  };
  const listen = async (app: FastifyInstance, port: number): Promise<string> => {
    servers.push(app);
    await app.listen({ host: config.host, port });
    const addr = app.server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    return `http://${host}:${actual}`;
  };
  try {
    const otlpUrl = await listen(await buildOtlpApp(deps), config.otlpHttpPort);
    const uiUrl = await listen(await buildUiApp(deps), config.uiPort);
    return { uiUrl, otlpUrl, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
