// OTLP/gRPC for the bench: raw-bytes unary calls to TraceService/Export, as the OTel JS exporter makes them (its
// client also passes Buffers through identity (de)serializers), with its retry rule: UNAVAILABLE waits the
// RetryInfo delay (1 s when absent) and sends the same message again.
import grpc from '@grpc/grpc-js';
import { rejectedSpans, retryDelayMs } from './otlp-walk.js';

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GIVE_UP_MS = 60_000;
const TIMEOUT_MS = 300_000;
/** The statuses an OTLP/gRPC exporter retries (reference §2). */
const RETRYABLE = new Set([1, 4, 10, 11, 14, 15]);

const identity = (b) => b;
const Client = grpc.makeGenericClientConstructor(
  { export: { path: PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity,
    responseSerialize: identity, responseDeserialize: identity } }, // prettier-ignore
  'TraceService',
);

/**
 * `channels` gRPC channels to `url` (http://host:port), each its own HTTP/2 connection (a local subchannel pool,
 * as separate exporter processes would have); sender i uses channel i % channels. exportOnce resolves like
 * bench/http.js's: { ok, rejected, refusals, failed, ms }.
 */
export function grpcTransport(url, channels) {
  const clients = Array.from({ length: channels }, () =>
    new Client(new URL(url).host, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
    }),
  );
  const call = (client, body) =>
    new Promise((resolve) => {
      client.export(body, new grpc.Metadata(), { deadline: Date.now() + TIMEOUT_MS }, (error, response) => resolve({ error, response }));
    });
  return {
    async exportOnce(body, deadline, sender = 0) {
      const client = clients[sender % clients.length];
      const t0 = performance.now();
      let refusals = 0;
      for (;;) {
        const { error, response } = await call(client, body);
        if (!error) return { ok: true, rejected: rejectedSpans(response), refusals, ms: performance.now() - t0 };
        if (!RETRYABLE.has(error.code)) return { ok: false, failed: `gRPC ${error.code}`, refusals, ms: performance.now() - t0 };
        refusals++;
        if (Date.now() > deadline + GIVE_UP_MS) return { ok: false, failed: 'abandoned', refusals, ms: performance.now() - t0 };
        const [bin] = error.metadata?.get('grpc-status-details-bin') ?? [];
        await new Promise((r) => setTimeout(r, (bin && retryDelayMs(bin)) ?? 1000));
      }
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}
