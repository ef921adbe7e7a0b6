/**
 * The chunk format of store v2: one chunk per trace per export request, a self-contained byte string the store keeps
 * as a BLOB beside the trace ID; resources and scopes ("dimensions") are stored once and named by hash.
 *
 * ```
 * chunk     := u8 version = 1; varint literalCount; literal*; varint dimCount; dim*; u64le baseStartNs;
 *              varint spanCount; span*
 * literal   := varint byteLength; UTF-8 bytes                      (each distinct string of the chunk, once)
 * dim       := 8 bytes: a dimension's hash                         (a span's resourceDim/scopeDim index these)
 * baseStartNs  the earliest start of the chunk's spans
 * span      := varint byteLength (so readers step over a span), then
 *              spanId (8 bytes); u8 parentLength (0 | 8) + parent bytes; varint flags; zigzag kind;
 *              varint64 startDelta (start − baseStartNs); varint64 duration (end − start);
 *              varint bits (bit 0: failed, decided at ingest by model/failure.ts);
 *              str name; str traceState; zigzag statusCode; str statusMessage; varint resourceDim; varint scopeDim;
 *              str callee; str address (the call's ends ingest derived with model/semconv.ts callEndsOf; '' if none);
 *              attrs; varint droppedAttributes;
 *              varint eventCount; event*; varint droppedEvents;
 *              varint linkCount; link*; varint droppedLinks
 * event     := zigzag varint64 (time − span start); str name; attrs; varint dropped
 * link      := varint length + trace ID bytes; varint length + span ID bytes; str traceState; attrs; varint dropped;
 *              varint flags                                         (IDs as sent: normally 16 and 8 bytes)
 * str       := varint: 0..63 are STATIC_STRINGS_V1 (static-strings.ts; 0 is ''), 64 + i is the chunk's literal i
 * attrs     := varint count; (str key; value)*                     (keys unique: a repeated key keeps its first
 *                                                                    place and its last value, as JSON.parse does)
 * value     := u8 type, then  0 empty | 1 string: str | 2 false | 3 true | 4 int: zigzag varint64
 *              | 5 double: f64le (every bit kept: -0, NaN payloads) | 6 bytes: varint length + bytes
 *              | 7 array: varint count; value* | 8 kvlist: attrs   (arrays and kvlists nest at most 64 deep)
 * dimension := u8 version = 1; u8 kind (0 resource | 1 scope); varint literalCount; literal*; then
 *              resource: attrs; varint dropped      scope: str name; str version; attrs; varint dropped
 *              hash = the first 8 bytes of SHA-256 of the dimension's bytes (kind included: a resource and a
 *              scope never share a hash; the same content always gives the same bytes and hash)
 * ```
 * varint: unsigned LEB128; zigzag: (n << 1) ^ (n >> 63) as a varint (kind and status code are int32 in OTLP and may
 * be negative). Counts and lengths are at most 2^32 − 1, times uint64.
 *
 * Against the proposal: strings 0..63 are static (the commonest semantic-convention keys and a few values; a trace's
 * ~22 distinct keys were 31 of 197 B/span as literals); kind and status code are zigzag; link IDs have a varint
 * length (protobuf allows any); a dimension says its kind. Literals are in the order the encoder meets them (a
 * span's attributes before its name), which readers do not depend on.
 *
 * Measured with bench/decode.js on bench/workload.js's requests (8 of 512 spans, made by the SDK's serializers), Node
 * 20.20 on this 2-core VM, shared with other benchmarks (performance.md: ±30 %; medians of 3 runs at load ~1.5–3):
 *
 * |                                   | realistic (342.5 B/span protobuf) | light (213 B/span)  |
 * |-----------------------------------|-----------------------------------|---------------------|
 * | chunk bytes                       | 162.1 B/span, 47.3 % of protobuf  | 77.7 B/span, 36.5 % |
 * | protobuf → SpanMetas + chunks     | 385k spans/s (132 MB/s)           | 503k spans/s        |
 * | OTLP/JSON → SpanMetas + chunks    | 204k spans/s (JSON.parse alone 334k) | 271k (JSON.parse 480k) |
 * | readChunk (read model)            | 740k spans/s                      | 1.32M spans/s       |
 * | readChunkIndex (5 keys)           | 912k spans/s                      | 1.47M spans/s       |
 *
 * Against tracelite 0.1's decoders (rows with attribute JSON text), alternating with them in one process so both see
 * the same load: realistic protobuf 1.33x, JSON 1.46x; light 1.27x and 1.29x (0.1 did 242k and 118k realistic
 * spans/s on a quiet machine). Dimensions add ~1.5 B/span if every request's were stored (the store keeps each once).
 * GC caveat: if many requests' results are alive together while the JIT warms up, V8 pretenures the allocation sites
 * of SpanMeta and its BigInts and strings, and short-lived ones then fill the old space: realistic protobuf drops to
 * ~300k spans/s for the life of the process (GC 22 % of the profile); `--no-allocation-site-pretenuring` gives ~380k.
 *
 * Why it is fast: the protobuf decoder walks the request once per message and never makes JS strings of attribute
 * keys or values; the literal pool (literals.ts) interns byte ranges of the request by a hash of at most 16 sampled
 * bytes, the 64 static strings first (a 256-slot table that stays in cache). OTLP/JSON as senders write it is decoded
 * from the bytes the same way (ingest/json-fast.ts): 4.9 µs a realistic span, where JSON.parse alone takes 3.0 and
 * JSON.parse with the general decoder's walk ~7.
 */

export const CHUNK_VERSION = 1;
export const DIMENSION_VERSION = 1;
export const DIM_RESOURCE = 0;
export const DIM_SCOPE = 1;

/** Value types: the u8 in front of every value. */
export const V_EMPTY = 0;
export const V_STRING = 1;
export const V_FALSE = 2;
export const V_TRUE = 3;
export const V_INT = 4;
export const V_DOUBLE = 5;
export const V_BYTES = 6;
export const V_ARRAY = 7;
export const V_KVLIST = 8;

/** Span bits: bit 0 = failed (model/failure.ts, decided at ingest). */
export const BIT_ERROR = 1;

/**
 * `--max-attribute-length`: an attribute list in which string or bytes values were cut gets this attribute last, an
 * array of the (top-level) keys whose values were cut. OTel has no standard mark for it.
 */
export const TRUNCATED_KEY = 'tracelite.truncated';

/** Array/kvlist values nested deeper than this are refused by the encoders and the readers alike. */
export const MAX_VALUE_DEPTH = 64;
