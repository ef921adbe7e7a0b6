/**
 * The strings every version-1 chunk and dimension can name without storing them: `str` indexes 0..63 are these,
 * 64 and up the chunk's own literals. They are the attribute keys OpenTelemetry instrumentations send most (stable
 * semantic conventions and the legacy names still common), and a few of their commonest values; index 0 is ''.
 * Measured on bench/workload.js's realistic requests: chunks 197 → 162 B/span (a trace's ~22 distinct keys were
 * ~31 B/span of literals). 64 entries keep every index below 128 a single byte for the ~42 literals a typical chunk
 * still has (p90 of 71 literals per chunk before).
 *
 * NEVER CHANGE THIS LIST: stored chunks refer to it by position. Another list is another CHUNK_VERSION (and
 * DIMENSION_VERSION), and the readers keep this one for version 1. test/unit/codec-chunk.test.ts pins its hash.
 */
export const STATIC_STRINGS_V1: readonly string[] = Object.freeze([
  '',
  'http.request.method',
  'http.response.status_code',
  'http.route',
  'url.full',
  'url.path',
  'url.query',
  'url.scheme',
  'server.address',
  'server.port',
  'client.address',
  'client.port',
  'network.peer.address',
  'network.peer.port',
  'network.protocol.name',
  'network.protocol.version',
  'network.transport',
  'network.type',
  'user_agent.original',
  'http.request.body.size',
  'http.response.body.size',
  'error.type',
  'exception.type',
  'exception.message',
  'exception.stacktrace',
  'db.system.name',
  'db.system',
  'db.namespace',
  'db.name',
  'db.query.text',
  'db.statement',
  'db.operation.name',
  'db.operation',
  'db.collection.name',
  'db.user',
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'messaging.system',
  'messaging.destination.name',
  'messaging.operation.type',
  'peer.service',
  'service.peer.name',
  'http.method',
  'http.status_code',
  'http.url',
  'http.target',
  'http.scheme',
  'http.host',
  'http.user_agent',
  'http.flavor',
  'net.peer.name',
  'net.peer.port',
  'net.host.name',
  'net.host.port',
  'express.name',
  'express.type',
  'GET',
  'POST',
  'http',
  'https',
  '1.1',
  'middleware',
  'request_handler',
]);

/** Chunk literal i is `str` index STATIC_COUNT + i. */
export const STATIC_COUNT = 64;
if (STATIC_STRINGS_V1.length !== STATIC_COUNT || new Set(STATIC_STRINGS_V1).size !== STATIC_COUNT) {
  throw new Error('STATIC_STRINGS_V1 must hold 64 distinct strings');
}
