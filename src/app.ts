import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes, refuseCrossSite, type StoreAdmin } from './api/admin-routes.js';
import { analysisRoutes } from './api/analysis-routes.js';
import { forwardingRoutes } from './api/forwarding-routes.js';
import { healthFooter, healthRoutes } from './api/health-routes.js';
import { importRoutes } from './api/import-routes.js';
import { jaegerV1Routes } from './api/jaeger/v1-routes.js';
import { jaegerV3Routes } from './api/jaeger/v3-routes.js';
import { apiRoutes } from './api/routes.js';
import { samplingSimulateRoutes } from './api/sampling-simulate-routes.js';
import { statsRoutes } from './api/stats-routes.js';
import { tempoRoutes } from './api/tempo/routes.js';
import { samplingRoutes } from './api/sampling-routes.js';
import { type Config, DEFAULT_MAX_ATTRIBUTE_LENGTH } from './config.js';
import { createImporter } from './ingest/import/index.js';
import { otlpHttpRoutes } from './ingest/otlp-http.js';
import { packageVersion } from './paths.js';
import type { ForwardingStatus } from './model/forwarding.js';
import type { HealthSources } from './model/health.js';
import type { SpanSink } from './model/ports.js';
import type { SamplingStatus } from './model/sampling-ports.js';
import type { QueryService } from './query/index.js';
import { uiGuard, receiverGuard } from './auth/guard.js';
import { securityHeaders } from './auth/headers.js';
import { HostCheck } from './auth/hosts.js';
import { AuthToken, clearedSessionCookie } from './auth/token.js';
import { CONTENT_SECURITY_POLICY } from './web/plugin.js';
import { webRoutes } from './web/routes.js';
import { zipkinHttpRoutes } from './ingest/zipkin-http.js';

export interface AppDeps {
  /** Every read the API and the pages make (server.ts builds it from the store's readers). */
  query: QueryService;
  sink: SpanSink;
  /** Where imported trace files go (the store, past the sampler); `sink` when not given. */
  importSink?: SpanSink;
  /** The tail sampler's state (GET /api/sampling, /sampling); its stats() is undefined when sampling is off. */
  sampling?: SamplingStatus;
  /** `--forward`'s counters (GET /api/forwarding); undefined when not forwarding. */
  forwarding?: ForwardingStatus;
  /** The write queue's and the writer's counters (GET /api/health, the UI footer); no route when not given. */
  health?: HealthSources;
  /** Clearing the store (DELETE /api/traces). */
  admin: StoreAdmin;
  config: Pick<Config, 'corsOrigins'> & Partial<Pick<Config, 'host' | 'authToken' | 'allowedHosts' | 'maxAttributeLength' | 'maxBodyBytes'>>;
  /** The OTLP/HTTP endpoint the UI's setup snippet shows (known once listening). */
  otlpEndpoint: () => string;
  /** Epoch ms, for "3 min ago" and default time windows. */
  now: () => number;
  /** Fastify's logger: off in tests, warnings and errors when run. */
  logLevel?: 'silent' | 'warn' | 'info';
}

function fastify(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logLevel && deps.logLevel !== 'silent' ? { level: deps.logLevel } : false });
  // Before any route: every answer of every port (errors, 404s and static files too) carries the headers.
  securityHeaders(app, CONTENT_SECURITY_POLICY);
  return app;
}

/** `--auth-token`, once per app (undefined when not set). */
function authToken(deps: AppDeps): AuthToken | undefined {
  return deps.config.authToken ? new AuthToken(deps.config.authToken) : undefined;
}

/** The UI port: the web UI and the REST API, plus OTLP/HTTP so one port is enough for a browser app. */
export async function buildUiApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify(deps);
  const { query, now } = deps;
  const token = authToken(deps);
  uiGuard(app, { token, hosts: new HostCheck(deps.config.host ?? '127.0.0.1', deps.config.allowedHosts ?? []) });
  const login = token && {
    login: (given: string, secure: boolean) => (token.matches(given) ? token.sessionCookie(secure) : undefined),
    logoutCookie: clearedSessionCookie(),
  };
  await app.register(apiRoutes, { prefix: '/api', query });
  await app.register(analysisRoutes, { prefix: '/api', query, now });
  await app.register(statsRoutes, { prefix: '/api', query, now });
  await app.register(adminRoutes, { prefix: '/api', admin: deps.admin });
  await app.register(samplingSimulateRoutes, { prefix: '/api', query, now });
  await app.register(forwardingRoutes, { prefix: '/api', forwarding: deps.forwarding });
  if (deps.health) {
    const health = deps.health;
    await app.register(healthRoutes, { prefix: '/api', health, sampling: deps.sampling, forwarding: deps.forwarding, now });
    // The footer of every page ("queue N of M · refused N"): @fastify/view merges reply.locals into each page's data.
    app.addHook('preHandler', async (_req, reply) => {
      const { locals } = reply as unknown as { locals?: Record<string, unknown> };
      if (locals) locals.ingestFooter = healthFooter(health);
    });
  }
  // Jaeger's query APIs: v1 for Grafana's Jaeger data source (URL http://host:16686/jaeger), v3 at both places.
  await app.register(jaegerV1Routes, { prefix: '/jaeger', query, now });
  for (const prefix of ['/api/v3', '/jaeger/api/v3']) await app.register(jaegerV3Routes, { prefix, query });
  // Trace files in: the same importer (ingest/import/) behind POST /api/import and the upload form.
  const importer = createImporter(deps.importSink ?? deps.sink);
  await app.register(importRoutes, { prefix: '/api', importer });
  const sampling: SamplingStatus = deps.sampling ?? { stats: () => undefined };
  await app.register(samplingRoutes, { prefix: '/api', sampling });
  await app.register(tempoRoutes, { prefix: '/tempo', query, version: packageVersion() });
  await app.register(webRoutes, { query, otlpEndpoint: deps.otlpEndpoint, now, importer, refuseCrossSite, sampling, forwarding: deps.forwarding, admin: deps.admin, login });
  await app.register(otlpHttpRoutes, receiverLimits(deps));
  return app;
}

/** The OTLP/HTTP port (4318): only the receiver. */
export async function buildOtlpApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify(deps);
  receiverGuard(app, authToken(deps));
  await app.register(otlpHttpRoutes, receiverLimits(deps));
  return app;
}

/** The Zipkin port (9411): only the Zipkin v2 receiver. */
export async function buildZipkinApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = fastify(deps);
  receiverGuard(app, authToken(deps));
  await app.register(zipkinHttpRoutes, receiverLimits(deps));
  return app;
}

/** What every receiver is given: the sink, CORS and the size limits (--max-body-size, --max-attribute-length). */
function receiverLimits(deps: AppDeps) {
  const { corsOrigins, maxBodyBytes, maxAttributeLength } = deps.config;
  return { sink: deps.sink, corsOrigins, maxBodyBytes, maxAttributeLength: maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH };
}
