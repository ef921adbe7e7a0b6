import type { TraceQuery } from '../model/query.js';

/**
 * SQL for findTraces, assembled only from the fixed fragments below; every value is a named parameter.
 * `shape` names the fragment combination, so the reader prepares each combination once.
 *
 * With a service the search walks trace_services_search (service, start_ns, trace_id, duration_ns) newest first:
 * the keyset cursor, time range and duration bounds are all answered inside that covering index, and traces is
 * joined (CROSS JOIN keeps that order) only for rows that pass. Without a service it walks traces_start.
 * INDEXED BY makes a missing index an error instead of a silent 50 ms–0.7 s plan (performance.md §4b).
 */

export interface SearchSql {
  shape: string;
  sql: string;
  params: Record<string, string | number | bigint>;
}

const COLUMNS =
  't.trace_id, t.start_ns, t.duration_ns, t.span_count, t.error_count, t.root_service, t.root_name, t.services';

/** A JSON attribute's text form: strings unquoted, numbers as written, booleans `true`/`false`; else NULL. */
function textForm(json: string, path: string): string {
  return `CASE json_type(${json}, ${path}) WHEN 'text' THEN ${json} ->> ${path} WHEN 'integer' THEN ${json} -> ${path}
    WHEN 'real' THEN ${json} -> ${path} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END`;
}

/** Some span of the trace (found through spans_trace_span) has the attribute, itself or on its resource. */
function attrFragment(i: number): string {
  const path = `@attrPath${i}`;
  const value = `@attrValue${i}`;
  return `EXISTS (SELECT 1 FROM spans AS s INDEXED BY spans_trace_span WHERE s.trace_id = t.trace_id AND (
    ${textForm('s.attributes', path)} = ${value}
    OR s.resource_id IN (SELECT r.id FROM resources AS r WHERE ${textForm('r.attributes', path)} = ${value})))`;
}

/** JSON path of one object key; SQLite accepts JSON string escapes inside a quoted label (checked for `"`, `\`). */
export function attrPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}

export function buildSearchSql(q: TraceQuery): SearchSql {
  const params: SearchSql['params'] = { limit: q.limit };
  const where: string[] = [];
  const shape: string[] = [];
  // ts (service search) or t: both carry start_ns, duration_ns and trace_id.
  const a = q.service === undefined ? 't' : 'ts';
  const add = (flag: string, sql: string, values: SearchSql['params']): void => {
    shape.push(flag);
    where.push(sql);
    Object.assign(params, values);
  };
  if (q.service !== undefined) add('s', 'ts.service = @service', { service: q.service });
  if (q.after) {
    add('c', `(${a}.start_ns, ${a}.trace_id) < (@afterStart, @afterTrace)`, {
      afterStart: q.after.startNs,
      afterTrace: q.after.traceId,
    });
  }
  if (q.startNs !== undefined) add('t', `${a}.start_ns >= @startNs`, { startNs: q.startNs });
  if (q.endNs !== undefined) add('T', `${a}.start_ns <= @endNs`, { endNs: q.endNs });
  if (q.minDurationNs !== undefined) add('d', `${a}.duration_ns >= @minDuration`, { minDuration: q.minDurationNs });
  if (q.maxDurationNs !== undefined) add('D', `${a}.duration_ns <= @maxDuration`, { maxDuration: q.maxDurationNs });
  // Terms on t come after the index-only ones; EXISTS terms name t.trace_id so they run last, per surviving row.
  if (q.errorOnly) add('e', 't.error_count > 0', {});
  if (q.operation !== undefined) {
    const ofService = q.service === undefined ? '' : ' AND s.service = @service';
    add(
      'o',
      `EXISTS (SELECT 1 FROM spans AS s INDEXED BY spans_trace_span
        WHERE s.trace_id = t.trace_id AND s.name = @operation${ofService})`,
      { operation: q.operation },
    );
  }
  // A point lookup per surviving row on trace_services' primary key (trace_id, service): index-only.
  (q.alsoServices ?? []).forEach((also, i) => {
    add(
      `v${i}`,
      `EXISTS (SELECT 1 FROM trace_services AS tv WHERE tv.trace_id = t.trace_id AND tv.service = @also${i})`,
      { [`also${i}`]: also },
    );
  });
  q.attrs.forEach((attr, i) => {
    add(`a${i}`, attrFragment(i), { [`attrPath${i}`]: attrPath(attr.key), [`attrValue${i}`]: attr.value });
  });
  const from =
    q.service === undefined
      ? 'traces AS t INDEXED BY traces_start'
      : 'trace_services AS ts INDEXED BY trace_services_search CROSS JOIN traces AS t ON t.trace_id = ts.trace_id';
  const sql = `SELECT ${COLUMNS} FROM ${from}
    ${where.length > 0 ? `WHERE ${where.join('\n    AND ')}` : ''}
    ORDER BY ${a}.start_ns DESC, ${a}.trace_id DESC LIMIT @limit`;
  return { shape: shape.join(''), sql, params };
}
