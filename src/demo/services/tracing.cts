/**
 * The OpenTelemetry setup every instrumented demo service runs first: the real Node SDK (tracer provider,
 * W3C propagation, AsyncLocalStorage context), HTTP auto-instrumentation and the OTLP/HTTP protobuf exporter.
 * Configured only through the standard variables the demo sets: OTEL_SERVICE_NAME,
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_SCHEDULE_DELAY (a short one makes the demo feel live).
 *
 * CommonJS on purpose (.cts → .cjs): instrumentation-http patches `http` when it is `require`d after the
 * instrumentation is enabled; ESM imports would need the import-in-the-middle loader flag.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  /** false: outgoing requests are neither traced nor given a traceparent (the legacy service's bug). */
  outgoing?: boolean;
  /** "host:port" → name of a callee that has no tracing of its own, recorded as service.peer.name. */
  peers?: Record<string, string>;
}

export interface Tracing {
  /** The `http` module, required after the instrumentation was enabled, so it is the patched one. */
  http: typeof import('node:http');
  tracer: Tracer;
  /** Exports what is buffered; called before the process exits. */
  shutdown(): Promise<void>;
}

export function startTracing(opts: TracingOptions = {}): Tracing {
  const service = process.env.OTEL_SERVICE_NAME ?? 'unknown_service';
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'tracelite-demo' }),
    // BatchSpanProcessor reads OTEL_BSP_SCHEDULE_DELAY; the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  const peers = opts.peers ?? {};
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        disableOutgoingRequestInstrumentation: opts.outgoing === false,
        requestHook: (span, req) => {
          if (!('getHeader' in req)) return; // the server side: nothing to add
          const peer = peers[String(req.getHeader('host') ?? '')];
          if (peer) span.setAttribute('service.peer.name', peer);
        },
      }),
    ],
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after registerInstrumentations
  const http = require('node:http') as typeof import('node:http');
  return { http, tracer: trace.getTracer('tracelite-demo'), shutdown: () => provider.shutdown() };
}
