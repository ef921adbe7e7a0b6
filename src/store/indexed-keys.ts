import { DESTINATION_KEYS, PEER_HOST_KEYS, PEER_PORT_KEYS, PEER_SERVICE_KEYS, URL_KEYS } from '../model/semconv.js';

/**
 * The attribute keys whose values the attribute index (attr_postings) covers: what people filter traces by in
 * Jaeger's tag box, Tempo's search and TraceQL, and that have few distinct values per trace — HTTP method, route
 * and status, RPC and database operations, messaging destinations, error and exception types, the peer, and
 * the deployment facts of a resource. Indexing every key would cost a row per distinct value per commit for
 * IDs, URLs and SQL text too (each indexed key cost ~5 % of the write rate on realistic traffic); a search on
 * another key still works, by reading the candidate traces (store/search.ts says so in its answer).
 */
export const INDEXED_SPAN_KEYS: readonly string[] = [
  'http.request.method', 'http.method', 'http.route', 'http.response.status_code', 'http.status_code',
  'rpc.system', 'rpc.service', 'rpc.method', 'rpc.grpc.status_code',
  'db.system', 'db.system.name', 'db.operation', 'db.operation.name', 'db.namespace',
  'messaging.system', 'messaging.destination.name',
  'error.type', 'exception.type', 'peer.service', 'service.peer.name',
]; // prettier-ignore

export const INDEXED_RESOURCE_KEYS: readonly string[] = [
  'deployment.environment.name', 'deployment.environment', 'service.version', 'service.namespace',
  'k8s.namespace.name', 'k8s.cluster.name', 'cloud.region', 'host.name',
]; // prettier-ignore

/** Keys the service graph reads from SERVER/CONSUMER spans: where a callee was reached. */
export const REACHED_KEYS: readonly string[] = [
  'server.address', 'server.port', 'net.host.name', 'net.host.port', 'http.host', 'messaging.destination.name',
];

/** Keys the service graph reads from CLIENT/PRODUCER spans: whom they called. */
export const TARGET_KEYS: readonly string[] = [...PEER_SERVICE_KEYS, ...PEER_HOST_KEYS, ...PEER_PORT_KEYS, ...URL_KEYS, ...DESTINATION_KEYS];

export const INDEXED_SPAN_KEY_SET: ReadonlySet<string> = new Set(INDEXED_SPAN_KEYS);
export const INDEXED_RESOURCE_KEY_SET: ReadonlySet<string> = new Set(INDEXED_RESOURCE_KEYS);
/**
 * Every indexed key is indexed wherever it is found — a span, its events or its resource — because a search
 * matches a key in any of them (as it does for keys outside the index): the answer must not depend on which
 * list a key is in, nor on whether an SDK put `service.version` on the resource or on the span.
 */
export const INDEXED_KEY_SET: ReadonlySet<string> = new Set([...INDEXED_SPAN_KEYS, ...INDEXED_RESOURCE_KEYS]);

/** Everything the writer reads from a chunk's attributes. */
export const WRITER_KEYS: ReadonlySet<string> = new Set([...INDEXED_KEY_SET, ...REACHED_KEYS, ...TARGET_KEYS]);
