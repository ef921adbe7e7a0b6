import type Database from 'better-sqlite3';
import { readDimension, readDimensionTyped, type DimensionInfo, type TypedResource, type TypedScope } from '../codec/index.js';
import type { Db } from './open.js';

/** Decoded resources and scopes by hash, for readers: a handful per service, each parsed once. */
export class DimensionCache {
  private readonly cache = new Map<string, DimensionInfo>();
  private readonly get: Database.Statement;

  constructor(db: Db, private readonly capacity = 10_000) {
    this.get = db.prepare('SELECT data FROM dimensions WHERE hash = ?').pluck();
  }

  lookup = (hash: string): DimensionInfo | undefined => {
    let d = this.cache.get(hash);
    if (!d) {
      const data = this.get.get(Buffer.from(hash, 'hex')) as Uint8Array | undefined;
      if (!data) return undefined;
      d = readDimension(data);
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(hash, d);
    }
    return d;
  };

  /** The dimension with its attribute types kept (exports read few traces: not cached). */
  typed(hash: string): TypedResource | TypedScope | undefined {
    const data = this.get.get(Buffer.from(hash, 'hex')) as Uint8Array | undefined;
    return data ? readDimensionTyped(data) : undefined;
  }
}
