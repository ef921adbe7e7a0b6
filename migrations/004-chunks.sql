-- tracelite store v2. Spans are stored per trace and export request as one chunk (src/codec: a compact binary
-- encoding with a chunk-local string table), beside narrow per-trace rows and per-commit postings, instead of a
-- wide row plus two index entries per span. Every per-trace table is keyed by the trace's ref (arrival order),
-- so appends are sequential and retention deletes ranges. The JS data step (store/backfill.ts) converts 003's
-- spans into chunks before the old tables are dropped. Measurements behind each choice: ARCHITECTURE.md "Store".

-- Resources and instrumentation scopes, encoded once and keyed by the hash every chunk refers to them by.
CREATE TABLE dimensions (
  hash BLOB NOT NULL PRIMARY KEY,         -- 8 bytes: SHA-256 of data, truncated
  kind INTEGER NOT NULL,                  -- 0 resource, 1 scope
  service TEXT NOT NULL,                  -- resources: service.name; scopes: ''
  data BLOB NOT NULL
) WITHOUT ROWID;

-- Small dictionaries, read whole into memory by the writer and the readers.
CREATE TABLE service_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE operation_names (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (service_id, name)
);
-- Attribute keys the attribute index covers; scope 0 span (and its events), 1 resource.
CREATE TABLE attribute_keys (id INTEGER PRIMARY KEY, scope INTEGER NOT NULL, key TEXT NOT NULL, UNIQUE (scope, key));

-- One row per trace. id is the trace's ref: every other per-trace row points here by it. Refs grow in arrival
-- order, which is the order retention deletes in (by written_ms for the age limit: a trace imported today with
-- last month's timestamps is kept for the retention period like any other). AUTOINCREMENT: a ref is never
-- reused after deletes, so a posting left behind can never name another trace.
CREATE TABLE trace_rows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id BLOB NOT NULL UNIQUE,          -- 16 bytes
  written_ms INTEGER NOT NULL,            -- when its first span was stored
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,           -- spans with the stored error flag
  root_op INTEGER NOT NULL,               -- operation_names.id of the root span (of the earliest span until it arrives)
  root_start_ns INTEGER NOT NULL,
  has_root INTEGER NOT NULL,
  span_ids BLOB NOT NULL,                 -- 8 bytes per stored span: a retried export is absorbed, not stored twice
  ops BLOB NOT NULL,                      -- per operation of the trace: id, longest span, kinds and failure (store/trace-row.ts)
  attrs BLOB NOT NULL                     -- the indexed attribute values present in the trace
);
-- Newest-first search without another filter; trace_id breaks ties, so the keyset cursor is exact.
CREATE INDEX trace_rows_start ON trace_rows (start_ns, trace_id);

-- The spans of a trace, one row per trace and export request (or commit).
CREATE TABLE chunks (
  trace_ref INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX chunks_trace ON chunks (trace_ref);

-- The trace's start and duration per service, so `service=` search walks one covering index newest first.
CREATE TABLE trace_service_rows (
  trace_ref INTEGER NOT NULL,
  service_id INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  PRIMARY KEY (trace_ref, service_id)
) WITHOUT ROWID;
CREATE INDEX trace_service_rows_search ON trace_service_rows (service_id, start_ns, duration_ns);

-- Postings: per commit, one row per operation (and per indexed attribute value) listing the traces that gained
-- it. min/max start bound the traces' starts when written (a start only moves earlier later on), which is what
-- makes newest-first search over them exact (store/postings.ts).
CREATE TABLE op_postings (
  op_id INTEGER NOT NULL,
  max_start_ns INTEGER NOT NULL,
  min_start_ns INTEGER NOT NULL,
  refs BLOB NOT NULL                      -- varint deltas of ascending trace refs
);
CREATE INDEX op_postings_search ON op_postings (op_id, max_start_ns, min_start_ns);
-- Retention deletes postings whose traces all started before the oldest one kept.
CREATE INDEX op_postings_age ON op_postings (max_start_ns);
CREATE TABLE attr_postings (
  key_id INTEGER NOT NULL,
  value TEXT NOT NULL,                    -- the value's text form, as attribute search compares it
  max_start_ns INTEGER NOT NULL,
  min_start_ns INTEGER NOT NULL,
  refs BLOB NOT NULL
);
CREATE INDEX attr_postings_search ON attr_postings (key_id, value, max_start_ns, min_start_ns);
CREATE INDEX attr_postings_age ON attr_postings (max_start_ns);

-- Where calls may have continued when traceparent was dropped: root (or orphaned) SERVER/CONSUMER spans, kept
-- with what the callee matcher compares (analysis/callee-match.ts).
CREATE TABLE entry_spans (
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  trace_ref INTEGER NOT NULL,
  span_id BLOB NOT NULL,
  service TEXT NOT NULL,
  kind INTEGER NOT NULL,
  host TEXT NOT NULL,
  port INTEGER,
  destination TEXT NOT NULL,
  error INTEGER NOT NULL
);
CREATE INDEX entry_spans_start ON entry_spans (start_ns);

-- The service graph per minute of the calls' start, maintained as spans arrive (store/service-graph.ts).
-- kind: 0 a call to an instrumented service, 1 to one seen only from its callers (child = peer name or
-- host:port), 2 a call that continued in another trace (traceparent dropped).
CREATE TABLE dependency_minutes (
  minute INTEGER NOT NULL,
  parent TEXT NOT NULL,
  child TEXT NOT NULL,
  kind INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  PRIMARY KEY (minute, parent, child, kind)
) WITHOUT ROWID;

-- New traces per minute of their start as first seen: how many traces a window holds, without counting rows.
CREATE TABLE trace_minutes (minute INTEGER NOT NULL PRIMARY KEY, traces INTEGER NOT NULL) WITHOUT ROWID;

-- Retention drops whole minutes of per-service trace counts (003's table is keyed by service first).
CREATE INDEX service_minutes_minute ON service_minutes (minute);

-- Single values the writer keeps: the longest trace duration seen (bounds postings search), span totals.
CREATE TABLE store_meta (key TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
