import type { DecodedRequest } from '../../model/encoded.js';
import { OverloadedError } from '../../model/errors.js';
import { type ImportBody, type ImportResult, MAX_IMPORT_REASONS, MAX_IMPORT_TRACE_IDS, type TraceImporter } from '../../model/import.js';
import type { SpanSink } from '../../model/ports.js';
import { fileBytes } from './body.js';
import { decodeImportFile } from './decode.js';

export { decodeImportFile } from './decode.js';

/**
 * Spans per write handed to the pipeline. Far below the default queue (--queue-spans), so an import never fills
 * it alone and live OTLP traffic still gets in between its batches.
 */
export const IMPORT_BATCH_SPANS = 5_000;

/** How long a batch waits, in all, for a write queue that live traffic keeps full before the import gives up. */
const MAX_WAIT_MS = 30_000;

/**
 * The importer behind POST /api/import and the upload form: the whole file is decoded and validated first (a
 * malformed file throws before anything is stored), then handed to the same pipeline OTLP requests go through, in
 * batches it awaits one by one.
 */
export function createImporter(sink: SpanSink, opts: { limitBytes?: number; batchSpans?: number } = {}): TraceImporter {
  return {
    async importBody(input: ImportBody): Promise<ImportResult> {
      const file = decodeImportFile(await fileBytes(input, opts.limitBytes));
      const result = summarize(file.format, file.requests);
      if (file.format === 'otlp-ndjson') result.skippedLines = file.skippedLines;
      for (const request of file.requests) {
        for (const batch of batches(request, opts.batchSpans ?? IMPORT_BATCH_SPANS)) await consumeWaiting(sink, batch);
      }
      return result;
    },
  };
}

function summarize(format: ImportResult['format'], requests: DecodedRequest[]): ImportResult {
  const traces = new Set<string>();
  const reasons = new Set<string>();
  let spans = 0;
  let rejectedSpans = 0;
  for (const r of requests) {
    spans += r.spans.length;
    rejectedSpans += r.rejected;
    for (const s of r.spans) traces.add(s.traceId);
    for (const reason of reasonsOf(r.rejectionMessage)) if (reasons.size < MAX_IMPORT_REASONS) reasons.add(reason);
  }
  return { format, spans, traces: traces.size, rejectedSpans, rejected: [...reasons], traceIds: [...traces].slice(0, MAX_IMPORT_TRACE_IDS) };
}

/** The decoders' partial-success message is "reason; reason (N spans rejected in all)" (ingest/decoded.ts). */
function reasonsOf(message: string): string[] {
  if (message === '') return [];
  return message.replace(/ \(\d+ spans rejected in all\)$/, '').split('; ');
}

/** A request cut at chunk (trace) boundaries into requests of at most `max` spans (a bigger chunk goes alone). */
export function batches(request: DecodedRequest, max: number): DecodedRequest[] {
  if (request.spans.length <= max) return [request];
  const byChunk = request.chunks.map(() => [] as DecodedRequest['spans']);
  for (const s of request.spans) byChunk[s.chunk].push(s);
  const out: DecodedRequest[] = [];
  let current: DecodedRequest | undefined;
  request.chunks.forEach((chunk, i) => {
    if (!current || (current.spans.length > 0 && current.spans.length + byChunk[i].length > max)) {
      current = { spans: [], chunks: [], dimensions: request.dimensions, rejected: 0, rejectionMessage: '' };
      out.push(current);
    }
    const index = current.chunks.length;
    current.chunks.push(chunk);
    for (const s of byChunk[i]) current.spans.push({ ...s, chunk: index });
  });
  return out;
}

/** consume(), waiting while the write queue is full (live traffic) rather than failing half an import. */
async function consumeWaiting(sink: SpanSink, batch: DecodedRequest): Promise<void> {
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    try {
      return await sink.consume(batch);
    } catch (err) {
      if (!(err instanceof OverloadedError) || Date.now() > deadline || /shutting down/.test(err.message)) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
