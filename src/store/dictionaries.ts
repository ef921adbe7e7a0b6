import type Database from 'better-sqlite3';
import type { Db } from './open.js';

/**
 * The store's small dictionaries (service_names, operation_names, attribute_keys), held whole in memory: a few
 * thousand rows in practice. The writer inserts what it has not seen; readers look names up and reload when an
 * id is newer than what they hold (the writer runs in another thread, on another connection).
 */
export class Dictionaries {
  private readonly services = new Map<string, number>();
  private readonly serviceNames = new Map<number, string>();
  private readonly ops = new Map<string, number>();
  private readonly opNames = new Map<number, { serviceId: number; service: string; name: string }>();
  private readonly keys = new Map<string, number>();
  private readonly keyNames = new Map<number, { scope: number; key: string }>();
  private readonly st: Record<'insService' | 'insOp' | 'insKey' | 'allServices' | 'allOps' | 'allKeys' | 'latest', Database.Statement>;
  private latest = '';

  constructor(db: Db) {
    this.st = {
      insService: db.prepare('INSERT INTO service_names (name) VALUES (?)'),
      insOp: db.prepare('INSERT INTO operation_names (service_id, name) VALUES (?, ?)'),
      insKey: db.prepare('INSERT INTO attribute_keys (scope, key) VALUES (?, ?)'),
      allServices: db.prepare('SELECT id, name FROM service_names'),
      allOps: db.prepare('SELECT id, service_id, name FROM operation_names'),
      allKeys: db.prepare('SELECT id, scope, key FROM attribute_keys'),
      latest: db.prepare(
        `SELECT coalesce((SELECT max(id) FROM service_names), 0) || '/' || coalesce((SELECT max(id) FROM operation_names), 0) || '/' ||
          coalesce((SELECT max(id) FROM attribute_keys), 0)`,
      ).pluck(),
    };
    this.reload();
  }

  /** Readers: reloads when the writer has added names since (three rowid probes). */
  refresh(): void {
    const latest = String(this.st.latest.get());
    if (latest !== this.latest) this.reload();
  }

  /**
   * Reads every row again (readers call this when they meet an id they do not know; the writer after a rollback,
   * which took back the names it had inserted: kept, they would name another row that reuses their id).
   */
  reload(): void {
    for (const m of [this.services, this.serviceNames, this.ops, this.opNames, this.keys, this.keyNames]) m.clear();
    this.latest = String(this.st.latest.get());
    for (const r of this.st.allServices.all() as Array<{ id: number; name: string }>) {
      this.services.set(r.name, r.id);
      this.serviceNames.set(r.id, r.name);
    }
    for (const r of this.st.allOps.all() as Array<{ id: number; service_id: number; name: string }>) {
      const service = this.serviceNames.get(r.service_id) ?? '';
      this.ops.set(`${r.service_id}\u0000${r.name}`, r.id);
      this.opNames.set(r.id, { serviceId: r.service_id, service, name: r.name });
    }
    for (const r of this.st.allKeys.all() as Array<{ id: number; scope: number; key: string }>) {
      this.keys.set(`${r.scope}\u0000${r.key}`, r.id);
      this.keyNames.set(r.id, { scope: r.scope, key: r.key });
    }
  }

  /** Writer only: the id of a service, inserted when new. */
  serviceId(name: string): number {
    let id = this.services.get(name);
    if (id === undefined) {
      id = Number(this.st.insService.run(name).lastInsertRowid);
      this.services.set(name, id);
      this.serviceNames.set(id, name);
    }
    return id;
  }

  /** Writer only: the id of (service, span name), inserted when new. */
  opId(service: string, name: string): number {
    const serviceId = this.serviceId(service);
    const k = `${serviceId}\u0000${name}`;
    let id = this.ops.get(k);
    if (id === undefined) {
      id = Number(this.st.insOp.run(serviceId, name).lastInsertRowid);
      this.ops.set(k, id);
      this.opNames.set(id, { serviceId, service, name });
    }
    return id;
  }

  /** Writer only: the id of an indexed attribute key (scope 0 span, 1 resource), inserted when new. */
  keyId(scope: number, key: string): number {
    const k = `${scope}\u0000${key}`;
    let id = this.keys.get(k);
    if (id === undefined) {
      id = Number(this.st.insKey.run(scope, key).lastInsertRowid);
      this.keys.set(k, id);
      this.keyNames.set(id, { scope, key });
    }
    return id;
  }

  findService(name: string): number | undefined {
    return this.services.get(name);
  }

  findOp(service: string, name: string): number | undefined {
    const serviceId = this.services.get(service);
    return serviceId === undefined ? undefined : this.ops.get(`${serviceId}\u0000${name}`);
  }

  /** Every operation id with this span name, in any service. */
  opsNamed(name: string): number[] {
    const out: number[] = [];
    for (const [id, op] of this.opNames) if (op.name === name) out.push(id);
    return out;
  }

  findKey(scope: number, key: string): number | undefined {
    return this.keys.get(`${scope}\u0000${key}`);
  }

  op(id: number): { serviceId: number; service: string; name: string } | undefined {
    let op = this.opNames.get(id);
    if (!op) {
      this.reload();
      op = this.opNames.get(id);
    }
    return op;
  }

  serviceName(id: number): string | undefined {
    let name = this.serviceNames.get(id);
    if (name === undefined) {
      this.reload();
      name = this.serviceNames.get(id);
    }
    return name;
  }
}
