/**
 * Trace files in (POST /api/import, `tracelite import`, the UI's upload form): the one contract all three share.
 * The implementation is ingest's (src/ingest/import/); the routes and pages see only this port.
 */

export type ImportFormat = 'otlp-json' | 'otlp-ndjson' | 'jaeger-json' | 'zipkin-json';

/** What an import stored, and what the decoders refused span by span (as OTLP partial success does). */
export interface ImportResult {
  format: ImportFormat;
  /** Spans stored. */
  spans: number;
  /** Distinct trace IDs among the stored spans. */
  traces: number;
  rejectedSpans: number;
  /** At most MAX_IMPORT_REASONS distinct reasons. */
  rejected: string[];
  /** otlp-ndjson only: lines of logs or metrics, skipped. */
  skippedLines?: number;
  /** The stored trace IDs, first seen first, at most MAX_IMPORT_TRACE_IDS (the upload page links them). */
  traceIds: string[];
}

/** The request body as it came, before decompression or multipart decoding. */
export interface ImportBody {
  body: Buffer;
  contentType: string;
  contentEncoding: string;
}

export interface TraceImporter {
  /** Decodes and validates the whole file, then stores it; throws InvalidInputError (400) and stores nothing. */
  importBody(input: ImportBody): Promise<ImportResult>;
}

/** 100 MiB: the largest file (after decompression) an import takes; 413 beyond. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
/** The request body limit of the import routes: the largest file plus room for a multipart body's headers. */
export const MAX_IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 1024 * 1024;
export const MAX_IMPORT_REASONS = 20;
export const MAX_IMPORT_TRACE_IDS = 100;
