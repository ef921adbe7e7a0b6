import Fastify, { type FastifyInstance } from 'fastify';
import { analysisRoutes } from './api/analysis-routes.js';
import { apiRoutes } from './api/routes.js';
import type { Config } from './config.js';
import { otlpHttpRoutes } from './ingest/otlp-http.js';
import type { AnalysisReader } from './model/analysis-ports.js';
import type { SpanSink, TraceReader } from './model/ports.js';

export interface AppDeps {
  reader: TraceReader;
  /** Analysis, chain and dependency routes; without it the UI port serves the plain API only. */
  analysis?: AnalysisReader;
  sink: SpanSink;
  config: Pick<Config, 'corsOrigins'>;
  /** Fastify's logger: off in tests, warnings and errors when run. */
  logLevel?: 'silent' | 'warn' | 'info';
}

function fastify(deps: AppDeps): FastifyInstance {
  return Fastify({ logger: deps.logLevel && deps.logLevel !== 'silent' ? { level: deps.logLevel } : false });
}

/** The UI port: the REST API (and later the web UI), plus OTLP/HTTP so one port is enough for a browser app. */
export async function buildUiApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify(deps);
  await app.register(apiRoutes, { prefix: '/api', reader: deps.reader });
  if (deps.analysis) await app.register(analysisRoutes, { prefix: '/api', reader: deps.reader, analysis: deps.analysis });
  await app.register(otlpHttpRoutes, { sink: deps.sink, corsOrigins: deps.config.corsOrigins });
  return app;
}

/** The OTLP/HTTP port (4318): only the receiver. */
export async function buildOtlpApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify(deps);
  await app.register(otlpHttpRoutes, { sink: deps.sink, corsOrigins: deps.config.corsOrigins });
  return app;
}
