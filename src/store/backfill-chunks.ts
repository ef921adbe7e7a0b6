import { encodeSpans } from '../codec/index.js';
import type { Attributes, Span, SpanEvent, SpanLink } from '../model/span.js';
import { Committer } from './commit.js';
import type { Db } from './open.js';

/**
 * 004's data step: every span of 0.1's `spans` table, trace by trace, through the same writer that stores new
 * spans, so the chunks, trace rows, postings, stats and service graph are exactly what ingest would have made.
 * The per-minute stats 003 filled are rebuilt by it, so they are emptied first. 0.1 kept attribute values as
 * JSON: a whole double reads back as an int, and bytes as base64 text, as they did before the migration.
 */

const OLD_SPANS = `SELECT s.span_id, s.parent_span_id, s.trace_state, s.flags, s.name, s.kind, s.service, s.start_ns, s.end_ns,
  s.attributes, s.dropped_attributes_count, s.events, s.dropped_events_count, s.links, s.dropped_links_count,
  s.status_code, s.status_message, s.error, r.attributes AS resource_attributes, r.dropped_attributes_count AS resource_dropped,
  sc.name AS scope_name, sc.version AS scope_version, sc.attributes AS scope_attributes, sc.dropped_attributes_count AS scope_dropped
FROM spans AS s INDEXED BY spans_trace_span
LEFT JOIN resources AS r ON r.id = s.resource_id
LEFT JOIN scopes AS sc ON sc.id = s.scope_id
WHERE s.trace_id = ?
ORDER BY s.start_ns, s.span_id`;

/** Traces written per commit of the step. */
const TRACES_PER_COMMIT = 500;

export function moveSpansIntoChunks(db: Db): void {
  db.exec('DELETE FROM op_minutes; DELETE FROM service_minutes;');
  let stored = 0;
  const committer = new Committer(db, { onStored: (n) => (stored += n), hourlyStats: false });
  // A page of traces at a time: a commit cannot start while a statement is still iterating.
  const traces = db
    .prepare(
      `SELECT trace_id, start_ns FROM traces INDEXED BY traces_start WHERE (start_ns, trace_id) > (@start, @id)
       ORDER BY start_ns, trace_id LIMIT @limit`,
    )
    .safeIntegers(true);
  const spansOf = db.prepare(OLD_SPANS).safeIntegers(true);
  let batch: Span[] = [];
  let clockMs = 0;
  const flush = () => {
    if (batch.length === 0) return;
    committer.commit(encodeSpans(batch), clockMs);
    batch = [];
  };
  for (let after = { start: -1n, id: '' }; ; ) {
    const page = traces.all({ ...after, limit: TRACES_PER_COMMIT }) as Array<{ trace_id: string; start_ns: bigint }>;
    if (page.length === 0) break;
    for (const t of page) {
      // The service graph's grace period runs on this clock: the traces' own time, as if they arrived live.
      clockMs = Number(t.start_ns / 1_000_000n);
      for (const row of spansOf.all(t.trace_id) as OldRow[]) batch.push(toSpan(t.trace_id, row));
    }
    flush();
    const last = page[page.length - 1];
    after = { start: last.start_ns, id: last.trace_id };
  }
  committer.expire(Number.MAX_SAFE_INTEGER);
  // Retention counts the spans stored in store_meta (the writer adds what it commits): start it with these.
  db.prepare("INSERT INTO store_meta (key, value) VALUES ('span_total', ?) ON CONFLICT DO UPDATE SET value = excluded.value").run(stored);
}

interface OldRow {
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  flags: bigint;
  name: string;
  kind: bigint;
  service: string;
  start_ns: bigint;
  end_ns: bigint;
  attributes: string;
  dropped_attributes_count: bigint;
  events: string;
  dropped_events_count: bigint;
  links: string;
  dropped_links_count: bigint;
  status_code: bigint;
  status_message: string;
  error: bigint;
  resource_attributes: string | null;
  resource_dropped: bigint | null;
  scope_name: string | null;
  scope_version: string | null;
  scope_attributes: string | null;
  scope_dropped: bigint | null;
}

function toSpan(traceId: string, r: OldRow): Span {
  const attrs = (json: string | null): Attributes => (json ? (JSON.parse(json) as Attributes) : {});
  const events = (JSON.parse(r.events) as Array<Omit<SpanEvent, 'timeUnixNano'> & { timeUnixNano: string }>).map(
    (e): SpanEvent => ({ ...e, timeUnixNano: BigInt(e.timeUnixNano) }),
  );
  return {
    traceId,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    traceState: r.trace_state,
    flags: Number(r.flags),
    name: r.name,
    kind: Number(r.kind),
    service: r.service,
    startTimeUnixNano: r.start_ns,
    endTimeUnixNano: r.end_ns,
    attributes: attrs(r.attributes),
    droppedAttributesCount: Number(r.dropped_attributes_count),
    events,
    droppedEventsCount: Number(r.dropped_events_count),
    links: JSON.parse(r.links) as SpanLink[],
    droppedLinksCount: Number(r.dropped_links_count),
    statusCode: Number(r.status_code),
    statusMessage: r.status_message,
    error: r.error === 1n,
    resource: { attributes: attrs(r.resource_attributes), droppedAttributesCount: Number(r.resource_dropped ?? 0) },
    scope: { name: r.scope_name ?? '', version: r.scope_version ?? '', attributes: attrs(r.scope_attributes), droppedAttributesCount: Number(r.scope_dropped ?? 0) },
  };
}
