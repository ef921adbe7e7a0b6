import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildOtlpApp, buildUiApp } from '../../src/app.js';
import { GroupCommitWriter } from '../../src/ingest/pipeline.js';
import { migrate } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open.js';
import { SqliteAnalysisReader } from '../../src/store/analysis-reader.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';

export function tempDbPath(): { dir: string; db: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-test-'));
  return { dir, db: path.join(dir, 'tracelite.db') };
}

export interface TestServer {
  ui: FastifyInstance;
  otlp: FastifyInstance;
  uiUrl: string;
  otlpUrl: string;
  reader: SqliteTraceReader;
  pipeline: GroupCommitWriter;
  close(): Promise<void>;
}

/** A whole tracelite on 127.0.0.1, random ports, over a fresh temp database. */
export async function startServer(opts: { queueSpans?: number; listen?: boolean } = {}): Promise<TestServer> {
  const { dir, db: file } = tempDbPath();
  const db = openDatabase(file);
  migrate(db);
  const reader = new SqliteTraceReader(db);
  const pipeline = new GroupCommitWriter(new SqliteSpanWriter(db), { maxQueuedSpans: opts.queueSpans ?? 200_000 });
  const deps = { reader, analysis: new SqliteAnalysisReader(db), sink: pipeline, config: { corsOrigins: ['*'] } };
  const ui = await buildUiApp(deps);
  const otlp = await buildOtlpApp(deps);
  let uiUrl = '';
  let otlpUrl = '';
  if (opts.listen !== false) {
    uiUrl = await ui.listen({ host: '127.0.0.1', port: 0 });
    otlpUrl = await otlp.listen({ host: '127.0.0.1', port: 0 });
  } else {
    await Promise.all([ui.ready(), otlp.ready()]);
  }
  return {
    ui,
    otlp,
    uiUrl,
    otlpUrl,
    reader,
    pipeline,
    async close() {
      await Promise.all([ui.close(), otlp.close()]);
      await pipeline.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
