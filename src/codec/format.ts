/**
 * The chunk format (store v2). FORMAT-DOC: filled in below once measured.
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

/** Array/kvlist values nested deeper than this are refused by the encoders and the readers alike. */
export const MAX_VALUE_DEPTH = 64;
