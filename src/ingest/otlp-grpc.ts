import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type MethodDefinition,
  type sendUnaryData,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { InvalidInputError, OverloadedError, PayloadTooLargeError } from '../model/errors.js';
import type { DecodedRequest } from '../model/encoded.js';
import type { SpanSink } from '../model/ports.js';
import { statusWithRetryInfo } from './otlp-grpc-status.js';
import { MAX_BODY_BYTES } from './otlp-http.js';
import { withinSpanLimit } from './decoded.js';
import { decodeProtobufRequest } from './otlp-proto.js';
import { exportResponseProtobuf } from './otlp-response.js';

/** The HTTP/2 paths of the three OTLP services' unary Export (reference/protocol.md §2). */
export const OTLP_GRPC_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
} as const;

export interface OtlpGrpcOptions {
  sink: SpanSink;
  /** After decompression; grpc-js answers RESOURCE_EXHAUSTED beyond it. Default 64 MiB, as on HTTP. */
  maxMessageBytes?: number;
  /** String and bytes attribute values longer are cut and marked (0 = no limit). */
  maxAttributeLength?: number;
  /** Where unexpected failures (INTERNAL answers) are reported. */
  onError?: (err: unknown) => void;
  /** `--auth-token`: false answers UNAUTHENTICATED before the message is decoded. Undefined = every call allowed. */
  authorize?: (metadata: Metadata) => boolean;
}

/**
 * OTLP/gRPC: the same decoder, pipeline and acknowledgement-after-commit as OTLP/HTTP. The service definitions
 * are written by hand with identity (de)serializers, so the handler gets the message's raw bytes (grpc-js has
 * already undone `grpc-encoding: gzip`, counting the limit on the inflated size) and decodes them with the
 * schema-specific protobuf decoder: no .proto loading, no reflection on the hot path.
 */
export class OtlpGrpcReceiver {
  private constructor(
    private readonly server: Server,
    /** The bound port (the one asked for, or the free one chosen for 0). */
    readonly port: number,
  ) {}

  static async listen(opts: OtlpGrpcOptions, host: string, port: number): Promise<OtlpGrpcReceiver> {
    const limit = opts.maxMessageBytes ?? MAX_BODY_BYTES;
    const server = new Server({ 'grpc.max_receive_message_length': limit, 'grpc.max_send_message_length': 4 * 1024 * 1024 });
    server.addService(service(OTLP_GRPC_PATHS.traces), { Export: traceExport(opts) });
    // The SDKs export metrics and logs by default too: answered with success (an empty response) and discarded.
    for (const path of [OTLP_GRPC_PATHS.metrics, OTLP_GRPC_PATHS.logs]) {
      server.addService(service(path), { Export: (call: Call, done: Done) => (refused(call, opts, done) ? undefined : done(null, EMPTY)) });
    }
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${bracketed(host)}:${port}`, ServerCredentials.createInsecure(), (err, actual) =>
        err ? reject(err) : resolve(actual),
      );
    });
    return new OtlpGrpcReceiver(server, bound);
  }

  /** Stops accepting calls and connections; resolves once the calls in flight have been answered (after commit). */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

type Call = ServerUnaryCall<Buffer, Buffer>;
type Done = sendUnaryData<Buffer>;

const EMPTY = Buffer.alloc(0);
const identity = (b: Buffer): Buffer => b;

function service(path: string): ServiceDefinition {
  const exportMethod: MethodDefinition<Buffer, Buffer> = {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'export',
  };
  return { Export: exportMethod };
}

function traceExport(opts: OtlpGrpcOptions) {
  return (call: Call, done: Done): void => {
    if (refused(call, opts, done)) return;
    let decoded: DecodedRequest;
    try {
      decoded = withinSpanLimit(decodeProtobufRequest(call.request, opts.maxAttributeLength));
    } catch (err) {
      done(errorStatus(err, opts));
      return;
    }
    opts.sink.consume(decoded).then(
      () => done(null, exportResponseProtobuf(decoded.rejected, decoded.rejectionMessage)),
      (err: unknown) => done(errorStatus(err, opts)),
    );
  };
}

/** Answers UNAUTHENTICATED (not retried by the exporters) when `authorize` says no; true when it did. */
function refused(call: Call, opts: OtlpGrpcOptions, done: Done): boolean {
  if (!opts.authorize || opts.authorize(call.metadata)) return false;
  const message = 'unauthenticated: send the metadata authorization: Bearer <token> (the --auth-token tracelite was started with)';
  done({ name: 'Unauthenticated', message, code: status.UNAUTHENTICATED, details: message });
  return true;
}

/**
 * Our error types as gRPC statuses (reference §2): undecodable data is INVALID_ARGUMENT (not retried), a full
 * queue UNAVAILABLE with RetryInfo (retried), anything else INTERNAL with no internals in its message.
 */
export function errorStatus(err: unknown, opts: Pick<OtlpGrpcOptions, 'onError'> = {}): ServerErrorResponse {
  if (err instanceof InvalidInputError) return { name: 'InvalidArgument', message: err.message, code: status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof PayloadTooLargeError) return { name: 'ResourceExhausted', message: err.message, code: status.RESOURCE_EXHAUSTED, details: err.message };
  if (err instanceof OverloadedError) {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', statusWithRetryInfo(status.UNAVAILABLE, err.message, err.retryAfterSeconds));
    return { name: 'Unavailable', message: err.message, code: status.UNAVAILABLE, details: err.message, metadata };
  }
  opts.onError?.(err);
  return { name: 'Internal', message: 'internal error', code: status.INTERNAL, details: 'internal error' };
}

/** grpc-js takes `[::1]:4317` for an IPv6 address. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
