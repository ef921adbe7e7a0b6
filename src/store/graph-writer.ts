import type Database from 'better-sqlite3';
import type { Db } from './open.js';
import type { GraphEdge, GraphSpan } from './service-graph.js';

/** Stores what the service graph found: edges per minute (dependency_minutes) and entry spans (entry_spans). */
export class GraphWriter {
  private readonly upsertEdge: Database.Statement;
  private readonly insEntry: Database.Statement;

  constructor(db: Db) {
    this.upsertEdge = db.prepare(
      `INSERT INTO dependency_minutes (minute, parent, child, kind, calls, errors) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET calls = calls + excluded.calls, errors = errors + excluded.errors`,
    );
    this.insEntry = db.prepare(
      `INSERT INTO entry_spans (start_ns, end_ns, trace_ref, span_id, service, kind, host, port, destination, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  flush(found: { edges: GraphEdge[]; entries: GraphSpan[] }): void {
    for (const e of found.edges) this.upsertEdge.run(e.minute, e.parent, e.child, e.kind, e.calls, e.errors);
    for (const s of found.entries) {
      this.insEntry.run(
        s.startNs, s.endNs, s.traceRef, Buffer.from(s.spanId, 'hex'), s.service, s.kind, s.reached?.host ?? '',
        s.reached?.port ?? null, s.reached?.destination ?? '', s.error ? 1 : 0,
      ); // prettier-ignore
    }
  }
}
