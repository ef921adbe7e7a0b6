/**
 * The chunk codec (store v2): the format (format.ts), the encoders and the readers. Pure: no I/O, no clocks.
 * Ingest's decoders write through RequestEncoder (encoder.ts) directly; everyone else uses what is here.
 */
export { ChunkFormatError } from './cursor.js';
export { readDimension, readDimensionTyped } from './dimension.js';
export { ChunkEncoder, encodeResource, encodeScope, encodeSpans } from './encode-spans.js';
export { readChunk, readChunkTyped } from './read-chunk.js';
export { readChunkIndex } from './read-index.js';
export type * from './types.js';
