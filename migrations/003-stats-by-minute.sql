-- Request statistics per minute, so a window's stats are a sum of its minutes (no scan of spans) and, once
-- retention deletes old traces, old minutes can leave with them. Replaces the all-time services/operations.

-- One row per service, operation and minute (of the spans' start). role: 0 entry (a request the service
-- served: SERVER/CONSUMER spans, plus root spans of any kind), 1 call (an outgoing CLIENT/PRODUCER span),
-- 2 internal. callee: for calls, whom they called (peer service, else host:port), '' otherwise.
CREATE TABLE op_minutes (
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  role INTEGER NOT NULL,
  callee TEXT NOT NULL,
  minute INTEGER NOT NULL,               -- start_ns / 60e9
  spans INTEGER NOT NULL,
  errors INTEGER NOT NULL,               -- spans with error = 1
  sketch BLOB NOT NULL,                  -- DurationSketch (src/store/sketch.ts) of the spans' durations
  PRIMARY KEY (service, name, kind, role, callee, minute)
) WITHOUT ROWID;
CREATE INDEX op_minutes_minute ON op_minutes (minute);

-- Traces per service and minute of the trace's start as first seen (a trace counts once per service).
CREATE TABLE service_minutes (
  service TEXT NOT NULL,
  minute INTEGER NOT NULL,
  traces INTEGER NOT NULL,
  PRIMARY KEY (service, minute)
) WITHOUT ROWID;

-- The host:port each service was reached at (from its SERVER/CONSUMER spans), so a call to 127.0.0.1:3003
-- is shown as a call to the service that answers there. Loopback spellings are one host (`localhost`).
CREATE TABLE endpoints (
  address TEXT NOT NULL PRIMARY KEY,
  service TEXT NOT NULL,
  seen_ns INTEGER NOT NULL               -- latest span start seen there: the newest owner of a reused port wins
) WITHOUT ROWID;

DROP TABLE operations;
DROP TABLE services;
