import { credentials, makeGenericClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';

/** A gRPC client of one unary method that sends and receives raw bytes, as the OTel exporters' own client does. */
export function rawClient(url: string, path: string, opts: { gzip?: boolean } = {}): RawClient {
  const identity = (b: Buffer) => b;
  const Ctor = makeGenericClientConstructor(
    { call: { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    'Raw',
  );
  type Unary = (body: Buffer, md: Metadata, cb: (err: ServiceError | null, res?: Buffer) => void) => void;
  const client = new Ctor(new URL(url).host, credentials.createInsecure(), {
    'grpc.default_compression_algorithm': opts.gzip ? 2 : 0,
    'grpc.max_send_message_length': -1,
  }) as Client & Record<string, unknown>;
  const unary = (client.call as Unary).bind(client);
  return {
    call: (body) =>
      new Promise((resolve) => {
        unary(body, new Metadata(), (error, response) => resolve(error ? { error } : { response: response! }));
      }),
    close: () => client.close(),
  };
}

export interface RawClient {
  call(body: Buffer): Promise<{ response: Buffer; error?: undefined } | { error: ServiceError; response?: undefined }>;
  close(): void;
}

/**
 * A protobuf message's fields, by number, in order (varints as bigint, LEN fields as their bytes): enough to read
 * google.rpc.Status and ExportTraceServiceResponse in tests, independently of the code under test.
 */
export function protoFields(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (p >= buf.length) throw new Error('truncated varint');
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (p < buf.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    let value: bigint | Buffer;
    if ((tag & 7) === 0) value = varint();
    else if ((tag & 7) === 2) {
      const n = Number(varint());
      if (p + n > buf.length) throw new Error('truncated field');
      value = buf.subarray(p, (p += n));
    } else throw new Error(`wire type ${tag & 7} not expected here`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
