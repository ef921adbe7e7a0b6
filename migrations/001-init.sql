-- tracelite schema v1. Layout measured in shared/reference/performance.md (1M spans, WAL, synchronous=NORMAL):
-- a rowid spans table with (trace_id, span_id) plus ONE covering (service, start_ns, duration_ns) index inserts at
-- 127k rows/s (168k with wal_autocheckpoint=100000), against 39.5k with a separate (service, duration_ns) index.
-- Never add (service, duration_ns): without ANALYZE the planner picks it plus a temp sort (46 ms at 1M, 320 ms at 5M).
-- All times are epoch nanoseconds in INTEGER columns, read back as bigint.

-- One row per distinct OTLP Resource: ~22 attributes (~1 KB) are stored once, not once per span.
CREATE TABLE resources (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  attributes TEXT NOT NULL,              -- JSON object
  dropped_attributes_count INTEGER NOT NULL,
  UNIQUE (attributes, dropped_attributes_count, service)
);

CREATE TABLE scopes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  attributes TEXT NOT NULL,              -- JSON object
  dropped_attributes_count INTEGER NOT NULL,
  UNIQUE (name, version, attributes, dropped_attributes_count)
);

-- rowid table: appends are cheaper than WITHOUT ROWID's random splits (119k vs 66k rows/s, trace index only).
CREATE TABLE spans (
  trace_id TEXT NOT NULL,                -- 32 lowercase hex; TEXT reads ~25 % faster than BLOB (no Buffers)
  span_id TEXT NOT NULL,                 -- 16 lowercase hex
  parent_span_id TEXT NOT NULL,          -- '' for a root span
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,          -- end_ns - start_ns, never negative
  status_code INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  trace_state TEXT NOT NULL,
  flags INTEGER NOT NULL,
  attributes TEXT NOT NULL,              -- JSON object
  events TEXT NOT NULL,                  -- JSON array of EventJson
  links TEXT NOT NULL,                   -- JSON array of LinkJson
  dropped_attributes_count INTEGER NOT NULL,
  dropped_events_count INTEGER NOT NULL,
  dropped_links_count INTEGER NOT NULL,
  resource_id INTEGER NOT NULL,
  scope_id INTEGER NOT NULL
);
-- Serves whole-trace reads and per-trace EXISTS filters, and makes INSERT OR IGNORE idempotent on retries.
CREATE UNIQUE INDEX spans_trace_span ON spans (trace_id, span_id);
-- The one search index on spans; duration_ns is carried so span-level duration filters never touch the table.
CREATE INDEX spans_service_start ON spans (service, start_ns, duration_ns);

-- Per-trace summary, maintained by the writer once per touched trace per batch.
CREATE TABLE traces (
  trace_id TEXT NOT NULL PRIMARY KEY,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,          -- spans with status_code = 2
  root_service TEXT NOT NULL,
  root_name TEXT NOT NULL,
  root_start_ns INTEGER NOT NULL,        -- start of the span named by root_*, to keep the earliest one
  has_root INTEGER NOT NULL,             -- 1 once a span with parent_span_id = '' arrived; a late root replaces
  services TEXT NOT NULL                 -- JSON array of service names, sorted
) WITHOUT ROWID;
-- Newest-first search without a service; trace_id breaks ties so the keyset cursor is exact.
CREATE INDEX traces_start ON traces (start_ns, trace_id);

-- The trace's start and duration copied per service, so a service search walks one covering index in
-- (start_ns desc, trace_id desc) order and touches traces only for the rows it returns.
CREATE TABLE trace_services (
  trace_id TEXT NOT NULL,
  service TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  PRIMARY KEY (trace_id, service)
) WITHOUT ROWID;
CREATE INDEX trace_services_search ON trace_services (service, start_ns, trace_id, duration_ns);

CREATE TABLE services (
  name TEXT NOT NULL PRIMARY KEY,
  span_count INTEGER NOT NULL,
  trace_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE operations (
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,
  sketch BLOB NOT NULL,                  -- DurationSketch (src/store/sketch.ts) of span durations
  PRIMARY KEY (service, name, kind)
) WITHOUT ROWID;
