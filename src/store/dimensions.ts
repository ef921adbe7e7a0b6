import type Database from 'better-sqlite3';
import type { ResourceRecord, ScopeRecord } from '../model/span.js';
import type { Db } from './open.js';

/**
 * Resolves resources and scopes to their row ids, inserting unseen ones. Decoders share one ResourceRecord
 * object by all spans of a ResourceSpans, so the last object seen answers most spans by identity; a bounded Map
 * keyed by content answers the rest, and only a miss touches the database.
 */
export class DimensionIds {
  private readonly resources = new Map<string, number>();
  private readonly scopes = new Map<string, number>();
  private lastResource: ResourceRecord | undefined;
  private lastResourceId = 0;
  private lastScope: ScopeRecord | undefined;
  private lastScopeId = 0;
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
    if (r === this.lastResource) return this.lastResourceId;
    const key = `${r.droppedAttributesCount}\u0000${r.serviceName}\u0000${r.attributes}`;
    let id = this.resources.get(key);
    if (id === undefined) {
      const params = [r.attributes, r.droppedAttributesCount, r.serviceName];
      id = (this.findResource.get(params) as number | undefined) ?? Number(this.addResource.run(params).lastInsertRowid);
      remember(this.resources, key, id, this.maxEntries);
    }
    this.lastResource = r;
    this.lastResourceId = id;
    return id;
  }

  scopeId(s: ScopeRecord): number {
    if (s === this.lastScope) return this.lastScopeId;
    const key = `${s.droppedAttributesCount}\u0000${s.name}\u0000${s.version}\u0000${s.attributes}`;
    let id = this.scopes.get(key);
    if (id === undefined) {
      const params = [s.name, s.version, s.attributes, s.droppedAttributesCount];
      id = (this.findScope.get(params) as number | undefined) ?? Number(this.addScope.run(params).lastInsertRowid);
      remember(this.scopes, key, id, this.maxEntries);
    }
    this.lastScope = s;
    this.lastScopeId = id;
    return id;
  }

  /** After a rolled-back transaction: ids inserted by it no longer exist. */
  clear(): void {
    this.resources.clear();
    this.scopes.clear();
    this.lastResource = undefined;
    this.lastScope = undefined;
  }
}

function remember(map: Map<string, number>, key: string, id: number, max: number): void {
  if (map.size >= max) map.clear(); // rare: a flood of distinct resources; the db still dedupes
  map.set(key, id);
}
