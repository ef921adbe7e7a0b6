-- The per-minute stats of 003 rolled up per hour, so all time and long windows sum a few hundred rows instead of
-- tens of thousands (at 5 M spans over a day: /api/stats 1.1 s from minutes); a window's partial hours still come
-- from op_minutes (store/stats-reader.ts). op_hours is filled from op_minutes by the data step (sketches merge in
-- JS: store/backfill.ts); service_hours here.
CREATE TABLE op_hours (
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  role INTEGER NOT NULL,
  callee TEXT NOT NULL,
  hour INTEGER NOT NULL,                 -- start_ns / 3600e9
  spans INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  sketch BLOB NOT NULL,
  PRIMARY KEY (service, name, kind, role, callee, hour)
) WITHOUT ROWID;
CREATE INDEX op_hours_hour ON op_hours (hour);
CREATE TABLE service_hours (
  service TEXT NOT NULL,
  hour INTEGER NOT NULL,
  traces INTEGER NOT NULL,
  PRIMARY KEY (service, hour)
) WITHOUT ROWID;
CREATE INDEX service_hours_hour ON service_hours (hour);

INSERT INTO service_hours (service, hour, traces)
  SELECT service, minute / 60, sum(traces) FROM service_minutes GROUP BY service, minute / 60;
