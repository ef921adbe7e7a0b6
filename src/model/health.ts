/**
 * What `GET /api/health` and the UI footer read of ingest and the store, through this port (api/ and web/ may not
 * import ingest/ or store/). The pipeline's `stats()` (ingest/pipeline.ts `PipelineStats`) has this shape.
 */
export interface IngestQueueStats {
  /** Spans accepted and not yet committed, and the bound beyond which ingest answers 503. */
  queuedSpans: number;
  maxQueuedSpans: number;
  /** Requests (and their spans) answered 503 because the queue was full, since start. */
  refusedRequests: number;
  refusedSpans: number;
  /** Spans committed through the pipeline since start. */
  writtenSpans: number;
  /** Request handed to the writer → committed, of the most recent write, ms. */
  lastWriteMs: number;
}

/** The writer thread as health sees it: asked asynchronously (it is a message to the thread). */
export interface StoreHealthStats {
  /** Spans in the database, and its size. */
  storedSpans: number;
  dbBytes: number;
  /** Writer threads started to replace one that died, since start. */
  writerRestarts: number;
  /** Why the writer stays down (it failed too often); null while it runs. */
  writerDown: string | null;
}

export interface HealthSources {
  /** Cheap and synchronous: the footer of every page calls it. */
  ingest(): IngestQueueStats;
  store(): Promise<StoreHealthStats>;
}
