-- One definition of error (src/model/failure.ts), decided at ingest and stored per span so SQL and JS agree:
-- status ERROR; or, with status UNSET, HTTP 5xx on any span and 4xx on CLIENT spans.
ALTER TABLE spans ADD COLUMN error INTEGER NOT NULL DEFAULT 0;

UPDATE spans SET error = CASE status_code WHEN 2 THEN 1 WHEN 1 THEN 0 ELSE coalesce((
  SELECT code >= 500 OR (code >= 400 AND spans.kind = 3)
  FROM (SELECT CAST(coalesce(
    nullif(json_extract(spans.attributes, '$."http.response.status_code"'), ''),
    nullif(json_extract(spans.attributes, '$."http.status_code"'), '')) AS INTEGER) AS code)), 0) END
WHERE status_code <> 1;

-- The summaries counted status ERROR only; recount them by the stored flag.
UPDATE traces SET error_count = (SELECT count(*) FROM spans WHERE spans.trace_id = traces.trace_id AND spans.error = 1);
UPDATE services SET error_count = (SELECT count(*) FROM spans WHERE spans.service = services.name AND spans.error = 1);
UPDATE operations SET error_count = (SELECT count(*) FROM spans
  WHERE spans.service = operations.service AND spans.name = operations.name AND spans.kind = operations.kind AND spans.error = 1);
