import type Database from 'better-sqlite3';
import type { IndexedTagValues, IndexedTags } from '../model/traceql.js';
import { INDEXED_KEY_SET } from './indexed-keys.js';
import type { Db } from './open.js';

/**
 * Tag names and values for Tempo's tag endpoints, from what the store indexes: the services and span names (the
 * dictionaries), and the keys and values of the attribute index (attribute_keys, attr_postings). A key outside
 * the index has no values listed (reading every trace to list them is what the index exists to avoid).
 */

export const TAG_SQL = {
  keys: 'SELECT scope, key FROM attribute_keys ORDER BY key',
  keyId: 'SELECT id FROM attribute_keys WHERE scope = @scope AND key = @key',
  /** Distinct values of one key, walking the index in value order (no sort, no temp b-tree). */
  values: `SELECT DISTINCT value FROM attr_postings INDEXED BY attr_postings_search WHERE key_id = @key ORDER BY value LIMIT @limit`,
  services: 'SELECT name FROM service_names ORDER BY name LIMIT @limit',
  spanNames: 'SELECT DISTINCT name FROM operation_names ORDER BY name LIMIT @limit',
} as const;

export class TagReader {
  private readonly st: Record<keyof typeof TAG_SQL, Database.Statement>;

  constructor(db: Db) {
    this.st = Object.fromEntries(Object.entries(TAG_SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Record<keyof typeof TAG_SQL, Database.Statement>;
  }

  tags(): IndexedTags {
    const resource = new Set<string>(['service.name']);
    const span = new Set<string>();
    for (const r of this.st.keys.all() as Array<{ scope: number; key: string }>) (r.scope === 1 ? resource : span).add(r.key);
    return { resource: [...resource].sort(), span: [...span].sort() };
  }

  /** `service.name` from the services; `name` the span names; any other key from the attribute index. */
  values(tag: { scope: 'resource' | 'span' | 'any' | 'intrinsic'; key: string }, limit: number): IndexedTagValues {
    if (tag.scope === 'intrinsic') {
      if (tag.key === 'name' || tag.key === 'rootName') return { values: this.st.spanNames.pluck().all({ limit }) as string[], indexed: true };
      if (tag.key === 'rootServiceName') return { values: this.st.services.pluck().all({ limit }) as string[], indexed: true };
      return { values: [], indexed: false };
    }
    if (tag.key === 'service.name' && tag.scope !== 'span') return { values: this.st.services.pluck().all({ limit }) as string[], indexed: true };
    const scopes = tag.scope === 'span' ? [0] : tag.scope === 'resource' ? [1] : [0, 1];
    const ids = scopes.map((scope) => this.st.keyId.pluck().get({ scope, key: tag.key }) as number | undefined).filter((id) => id !== undefined);
    const out = new Set<string>();
    for (const key of ids) for (const v of this.st.values.pluck().all({ key, limit }) as string[]) out.add(v);
    return { values: [...out].sort().slice(0, limit), indexed: INDEXED_KEY_SET.has(tag.key) };
  }

  explain(db: Db): Record<keyof typeof TAG_SQL, string[]> {
    const params = { key: 1, scope: 0, limit: 10 };
    const out = {} as Record<keyof typeof TAG_SQL, string[]>;
    for (const [name, sql] of Object.entries(TAG_SQL) as Array<[keyof typeof TAG_SQL, string]>) {
      const bind = Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)));
      out[name] = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(bind) as Array<{ detail: string }>).map((r) => r.detail);
    }
    return out;
  }
}
