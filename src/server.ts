import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metadata } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { buildOtlpApp, buildUiApp, buildZipkinApp } from './app.js';
import { type Config, DEFAULT_MAX_ATTRIBUTE_LENGTH } from './config.js';
import { ThreadEncoder } from './forward/encoder-client.js';
import { Forwarder } from './forward/forwarder.js';
import { ForwardingSink } from './forward/sink.js';
import { AuthToken } from './auth/token.js';
import { OtlpGrpcReceiver } from './ingest/otlp-grpc.js';
import { WritePipeline } from './ingest/pipeline.js';
import type { SpanSink } from './model/ports.js';
import { samplingPolicy } from './ingest/policy-file.js';
import { TailSampler } from './ingest/sampler.js';
import { PACKAGE_ROOT } from './paths.js';
import { createQueryService } from './query/index.js';
import { SqliteAnalysisReader } from './store/analysis-reader.js';
import { openDatabase } from './store/open.js';
import { SqliteTraceReader } from './store/reader.js';
import { SqliteStatsReader } from './store/stats-reader.js';
import { InlineWriter, ThreadWriter, type StoreWriter } from './store/writer-client.js';
import type { WriterConfig } from './store/writer-core.js';

/** The writer thread's entry: always the compiled file (vitest's TypeScript transform does not reach workers). */
const WRITER_THREAD = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'store', 'writer-thread.js'));
/** Forwarding's export encoder thread, likewise. */
const ENCODE_THREAD = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'forward', 'encode-thread.js'));

/** A listener that could not bind; the message names it and the address. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** A running tracelite: `npx tracelite`, `tracelite demo` and the tests all start it through here. */
export interface Tracelite {
  ui: FastifyInstance;
  otlp: FastifyInstance;
  /** The Zipkin v2 receiver (listening only when `zipkinPort` is configured). */
  zipkin: FastifyInstance;
  /** `http://host:port`, without a trailing slash; '' when started with `listen: false`. */
  uiUrl: string;
  otlpUrl: string;
  /**
   * The OTLP/gRPC receiver, `http://host:port` (what the gRPC exporter's `url` takes). gRPC has no `inject`, so
   * it binds even with `listen: false`, then on a free port (0) of the host, never the configured one.
   */
  otlpGrpcUrl: string;
  /** `http://host:port` of the Zipkin receiver; '' when not listening. */
  zipkinUrl: string;
  reader: SqliteTraceReader;
  pipeline: WritePipeline;
  /** The tail sampler in front of the store; undefined when `--sampling off`. */
  sampler: TailSampler | undefined;
  writer: StoreWriter;
  /** `--forward`'s sender of kept spans upstream; undefined when not forwarding. */
  forwarder?: Forwarder;
  /** Stops accepting, waits for in-flight requests, commits what they queued, closes the database. */
  close(): Promise<void>;
}

type ServerConfig = Pick<Config, 'host' | 'uiPort' | 'otlpHttpPort' | 'otlpGrpcPort' | 'db' | 'corsOrigins' | 'queueSpans'> &
  Partial<Pick<Config, 'retentionMs' | 'maxSpans' | 'maxDbBytes' | 'zipkinPort' | 'forward' | 'forwardQueueSpans'>> &
  Partial<Pick<Config, 'sampling' | 'decisionWaitMs' | 'samplingMaxAgeMs' | 'samplingBuffer'>> &
  Partial<Pick<Config, 'authToken' | 'allowedHosts' | 'maxAttributeLength' | 'maxBodyBytes'>>;

export async function startTracelite(
  config: ServerConfig,
  opts: { listen?: boolean; logLevel?: 'silent' | 'warn'; now?: () => number; inlineWriter?: boolean; graceMs?: number } = {},
): Promise<Tracelite> {
  // Before anything opens: an unusable policy file stops the start (PolicyError; main exits 2 with its message).
  const policy = samplingPolicy(config.sampling ?? 'off');
  const writerConfig: WriterConfig = {
    db: config.db,
    limits: { maxAgeMs: config.retentionMs ?? 0, maxSpans: config.maxSpans ?? 0, maxDbBytes: config.maxDbBytes ?? 0 },
    graceMs: opts.graceMs,
  };
  // The writer opens and migrates the database first; the readers' connection opens what it made.
  const writer: StoreWriter = opts.inlineWriter ? new InlineWriter(writerConfig) : await ThreadWriter.start(writerConfig, WRITER_THREAD, (err) => console.error(`tracelite: writer: ${err.message}`));
  const db = openDatabase(config.db);
  const reader = new SqliteTraceReader(db);
  const pipeline = new WritePipeline(writer, { maxQueuedSpans: config.queueSpans });
  // ---- Forwarding (--forward): a tee in front of the store; what the store committed goes upstream. ----
  // The chain is decoders → [sampler] → forward tee → store.
  const forwarder = config.forward
    ? new Forwarder({
        url: config.forward.url,
        headers: config.forward.headers,
        maxQueueSpans: config.forwardQueueSpans ?? 100_000,
        encoder: new ThreadEncoder(ENCODE_THREAD, (m) => console.error(m)),
      })
    : undefined;
  const forwardTee = forwarder ? new ForwardingSink(pipeline, forwarder) : undefined;
  const storeSink: SpanSink = forwardTee ?? pipeline;
  // ---- end of forwarding ----

  // ---- Tail sampling (--sampling): decoders → [sampler] → downstream → store. Off: decoders → store. ----
  const downstream: SpanSink = storeSink;
  const sampler = policy
    ? new TailSampler(downstream, {
        policy,
        decisionWaitMs: config.decisionWaitMs ?? 5_000,
        maxAgeMs: config.samplingMaxAgeMs ?? 30_000,
        bufferSpans: config.samplingBuffer ?? 200_000,
        // Kept spans waiting for the store: half its queue, so the pipeline never refuses the sampler's writes.
        maxWritingSpans: Math.max(1, Math.floor(config.queueSpans / 2)),
        onWriteError: (err) => {
          if ((opts.logLevel ?? 'silent') !== 'silent') console.error(`tracelite: sampler: kept spans not stored: ${err.message}`);
        },
      })
    : undefined;
  const ingestSink: SpanSink = sampler ?? downstream;
  // ---- end of tail sampling ----
  const urls = { ui: '', otlp: '', grpc: '', zipkin: '' };
  const now = opts.now ?? Date.now;
  const query = createQueryService({ traces: reader, analysis: new SqliteAnalysisReader(db), stats: new SqliteStatsReader(db), now });
  const deps = {
    query,
    sink: ingestSink,
    // Imported files are stored (and forwarded) whole, not sampled: the user asked for exactly these traces.
    importSink: downstream,
    sampling: { stats: () => sampler?.stats() },
    forwarding: forwarder,
    admin: { clear: () => writer.clear() },
    health: {
      ingest: () => pipeline.stats(),
      store: async () => {
        const thread = writer instanceof ThreadWriter ? writer.health() : { restarts: 0, down: undefined };
        // A writer that is down cannot answer; its last figures are not worth a hang.
        const s = thread.down ? undefined : await writer.stats().catch(() => undefined);
        return { storedSpans: s?.storedSpans ?? 0, dbBytes: s?.dbBytes ?? 0, writerRestarts: thread.restarts, writerDown: thread.down ?? null };
      },
    },
    config,
    logLevel: opts.logLevel ?? 'silent',
    otlpEndpoint: () => urls.otlp || `http://${config.host}:${config.otlpHttpPort}`,
    now,
  };
  const otlp = await buildOtlpApp(deps);
  const ui = await buildUiApp(deps);
  let grpc: OtlpGrpcReceiver | undefined;
  const zipkin = await buildZipkinApp(deps);
  const close = async () => {
    // A keep-alive connection whose request was still being answered when closing began goes idle only later:
    // close those as they go idle, or the servers wait for the exporter's keep-alive timeout.
    const idle = setInterval(() => {
      for (const app of [ui, otlp, zipkin]) app.server.closeIdleConnections?.();
    }, 50);
    try {
      await Promise.all([ui.close(), otlp.close(), zipkin.close(), grpc?.close()]);
    } finally {
      clearInterval(idle);
    }
    // The sampler decides what it holds and hands the kept traces to the pipeline, which then commits them.
    await sampler?.close();
    await pipeline.close();
    // Forwarding: what the store committed is enqueued, then sent for up to 5 s; the rest is counted as dropped.
    await forwardTee?.settled();
    await forwarder?.close();
    db.close();
  };
  try {
    if (opts.listen === false) {
      await Promise.all([ui.ready(), otlp.ready(), zipkin.ready()]);
    } else {
      urls.otlp = await listen(otlp, 'OTLP/HTTP receiver', config.host, config.otlpHttpPort);
    }
    const grpcPort = opts.listen === false ? 0 : config.otlpGrpcPort;
    grpc = await listenGrpc(ingestSink, otlp, config, grpcPort);
    urls.grpc = urlOf(config.host, grpc.port);
    if (opts.listen !== false) {
      urls.ui = await listen(ui, 'UI and API', config.host, config.uiPort);
      if (config.zipkinPort !== undefined) urls.zipkin = await listen(zipkin, 'Zipkin receiver', config.host, config.zipkinPort);
      else await zipkin.ready();
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return { ui, otlp, zipkin, uiUrl: urls.ui, otlpUrl: urls.otlp, otlpGrpcUrl: urls.grpc, zipkinUrl: urls.zipkin, reader, pipeline, sampler, writer, forwarder, close };
}

async function listen(app: FastifyInstance, name: string, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw new ListenError(`cannot listen on ${host}:${port} for ${name}: ${(err as Error).message}`);
  }
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return urlOf(host, actual);
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

async function listenGrpc(sink: SpanSink, otlp: FastifyInstance, config: ServerConfig, port: number): Promise<OtlpGrpcReceiver> {
  const host = config.host;
  const token = config.authToken ? new AuthToken(config.authToken) : undefined;
  // gRPC metadata keys are lowercase; the exporters send `authorization` as their `headers` option says.
  const authorize = token && ((metadata: Metadata) => token.matchesBearer(String(metadata.get('authorization')[0] ?? '')));
  try {
    const limits = { maxMessageBytes: config.maxBodyBytes, maxAttributeLength: config.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH };
    return await OtlpGrpcReceiver.listen({ sink, authorize, ...limits, onError: (err) => otlp.log.error({ err }, 'OTLP/gRPC export failed') }, host, port);
  } catch (err) {
    throw new ListenError(`cannot listen on ${host}:${port} for OTLP/gRPC receiver: ${(err as Error).message}`);
  }
}
