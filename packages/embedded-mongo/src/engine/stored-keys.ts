import type { Document } from 'bson';
import { keyOf } from './values';

/**
 * The keys documents are held under in a collection's `docs` map: their canonical `_id`, except
 * in a time-series collection, which does not enforce unique `_id`s (mongod stores measurements
 * in buckets), so there each document gets its `_id` plus an insertion counter.
 */
export class StoredKeys {
  private seq = 0;
  private readonly keys = new WeakMap<Document, string>();

  constructor(readonly timeseries: boolean) {}

  /** The key of a document about to be stored. */
  fresh(doc: Document): string {
    if (!this.timeseries) return keyOf(doc._id);
    const key = `${keyOf(doc._id)}\u0000${this.seq++}`;
    this.keys.set(doc, key);
    return key;
  }

  /** The key of a stored document. */
  of(doc: Document): string {
    return (this.timeseries && this.keys.get(doc)) || keyOf(doc._id);
  }

  /** An updated version takes its predecessor's key. */
  carry(from: Document, to: Document): void {
    if (this.timeseries) this.keys.set(to, this.of(from));
  }
}
