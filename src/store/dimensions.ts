import type Database from 'better-sqlite3';
import type { ResourceRecord, ScopeRecord } from '../model/span.js';
import type { Db } from './open.js';

/**
 * Resolves resources and scopes to their row ids, inserting unseen ones. Decoders share one ResourceRecord
 * object by all spans of a ResourceSpans, so a WeakMap keyed by the object answers most spans; a bounded Map
 * keyed by content answers new objects with known content, and only a miss touches the database. The WeakMap
 * matters: spans of a batch interleave services, and building + hashing the ~1 KB content key per span cost
 * 1.5 µs (~10 % of the writer's time in bench/insert.js).
 */
export class DimensionIds {
  private readonly resources = new Map<string, number>();
  private readonly scopes = new Map<string, number>();
  private resourceObjects = new WeakMap<ResourceRecord, number>();
  private scopeObjects = new WeakMap<ScopeRecord, number>();
  private readonly findResource: Database.Statement;
  private readonly addResource: Database.Statement;
  private readonly findScope: Database.Statement;
  private readonly addScope: Database.Statement;

  constructor(
    db: Db,
    /** Entries per Map before it is cleared; distinct resources are few (one per service instance). */
    private readonly maxEntries = 10_000,
  ) {
    this.findResource = db
      .prepare('SELECT id FROM resources WHERE attributes = ? AND dropped_attributes_count = ? AND service = ?')
      .pluck();
    this.addResource = db.prepare(
      'INSERT INTO resources (attributes, dropped_attributes_count, service) VALUES (?, ?, ?)',
    );
    this.findScope = db
      .prepare(
        'SELECT id FROM scopes WHERE name = ? AND version = ? AND attributes = ? AND dropped_attributes_count = ?',
      )
      .pluck();
    this.addScope = db.prepare(
      'INSERT INTO scopes (name, version, attributes, dropped_attributes_count) VALUES (?, ?, ?, ?)',
    );
  }

  resourceId(r: ResourceRecord): number {
    let id = this.resourceObjects.get(r);
    if (id !== undefined) return id;
    const key = `${r.droppedAttributesCount}\u0000${r.serviceName}\u0000${r.attributes}`;
    id = this.resources.get(key);
    if (id === undefined) {
      const params = [r.attributes, r.droppedAttributesCount, r.serviceName];
      id = (this.findResource.get(params) as number | undefined) ?? Number(this.addResource.run(params).lastInsertRowid);
      remember(this.resources, key, id, this.maxEntries);
    }
    this.resourceObjects.set(r, id);
    return id;
  }

  scopeId(s: ScopeRecord): number {
    let id = this.scopeObjects.get(s);
    if (id !== undefined) return id;
    const key = `${s.droppedAttributesCount}\u0000${s.name}\u0000${s.version}\u0000${s.attributes}`;
    id = this.scopes.get(key);
    if (id === undefined) {
      const params = [s.name, s.version, s.attributes, s.droppedAttributesCount];
      id = (this.findScope.get(params) as number | undefined) ?? Number(this.addScope.run(params).lastInsertRowid);
      remember(this.scopes, key, id, this.maxEntries);
    }
    this.scopeObjects.set(s, id);
    return id;
  }

  /** After a rolled-back transaction: ids inserted by it no longer exist. */
  clear(): void {
    this.resources.clear();
    this.scopes.clear();
    this.resourceObjects = new WeakMap();
    this.scopeObjects = new WeakMap();
  }
}

function remember(map: Map<string, number>, key: string, id: number, max: number): void {
  if (map.size >= max) map.clear(); // rare: a flood of distinct resources; the db still dedupes
  map.set(key, id);
}
