import { calculateObjectSize, ObjectId, type Document } from 'bson';
import type { IndexSpec, JournalRecord } from '../persistence/persistence.types';
import { ErrorCodes, MongoCommandError } from '../errors';
import { parseCollation, type Collation } from './collation';
import { Index } from './indexes';
import { StoredKeys } from './stored-keys';
import { checkValidation } from './validation';
import type { MemoryBudget } from './memory-budget';
import { compileFilter, plan, type Plan } from './planner';
import { deepClone, formatValue, isPlainObject, keyOf } from './values';

/** Id key that matches no stored document: a new document has no "self" to exclude from unique checks. */
const NO_DOCUMENT = '\u0000new';

export interface ScanStats {
  docsExamined: number;
  keysExamined: number;
  index?: string;
}

function idFirst(doc: Document): boolean {
  for (const k in doc) return k === '_id' && doc._id !== undefined;
  return false;
}

/** mongod's storage check on `_id`: no `$`-prefixed field names at any depth. */
export function validateIdForStorage(id: unknown): void {
  const visit = (v: unknown): void => {
    if (!isPlainObject(v)) return;
    for (const k of Object.keys(v)) {
      if (k.startsWith('$'))
        throw new MongoCommandError(
          ErrorCodes.DollarPrefixedFieldName,
          `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`,
        );
      visit(v[k]);
    }
  };
  visit(id);
}

/**
 * One collection: documents by canonical _id key (insertion order = natural order) plus indexes.
 * Stored documents are never mutated in place: updates swap in a modified copy, so cursors and
 * journal records holding the old object keep a consistent snapshot.
 */
export class Collection {
  readonly docs = new Map<string, Document>();
  readonly indexes = new Map<string, Index>();
  private planIndexes = new Map<string, Index>();
  /** Cumulative counters, exposed for tests that assert index use. */
  readonly stats: ScanStats = { docsExamined: 0, keysExamined: 0 };
  /**
   * Set for a view (`viewOn`/`pipeline`): produces the view's documents from its source on every
   * read, so every read command follows it; writes are refused.
   */
  viewSource?: () => Document[];
  /** BSON bytes of the stored documents (collStats `size`), charged to the engine's budget. */
  private bytes = 0;
  private readonly keys: StoredKeys;

  constructor(
    readonly db: string,
    readonly name: string,
    /** Replaced (never edited) by collMod, so records that hold the old object keep it. */
    public options: Document,
    private readonly record: (r: JournalRecord) => void,
    private readonly budget: MemoryBudget,
  ) {
    // The _id index follows the collection's default collation, as in mongod.
    const idSpec: IndexSpec = { name: '_id_', key: { _id: 1 } };
    if (options.collation) idSpec.collation = options.collation as Document;
    this.keys = new StoredKeys(isPlainObject(options.timeseries));
    this.indexes.set('_id_', new Index(idSpec, !this.keys.timeseries));
    this.refreshPlanIndexes();
  }

  /** The collection's default collation (`create` with `collation`), if any. */
  get defaultCollation(): Collation | undefined {
    return parseCollation(this.options.collation) ?? undefined;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get dataSize(): number {
    return this.bytes;
  }

  /** Gives the whole collection's bytes back to the budget (drop). */
  releaseAll(): void {
    this.budget.release(this.bytes);
    this.bytes = 0;
  }

  private charge(bytes: number, force: boolean): void {
    if (force) this.budget.force(bytes);
    else this.budget.reserve(bytes, this.ns);
    this.bytes += bytes;
  }

  private refund(bytes: number): void {
    this.budget.release(bytes);
    this.bytes = Math.max(0, this.bytes - bytes);
  }

  byField(field: string): Index | undefined {
    return this.planIndexes.get(field);
  }

  private refreshPlanIndexes(): void {
    this.planIndexes = new Map();
    for (const idx of this.indexes.values()) {
      if (!idx.plannable) continue;
      const f = idx.fields[0];
      const cur = this.planIndexes.get(f);
      if (
        !cur ||
        (idx.unique && !cur.unique) ||
        (idx.fields.length < cur.fields.length && idx.unique === cur.unique)
      ) {
        this.planIndexes.set(f, idx);
      }
    }
  }

  /** Matching documents (at most `max`) in natural or index order; `stats` receives what this call examined. */
  find(
    filter: Document | undefined,
    stats?: ScanStats,
    max = Infinity,
    variables?: Document,
    collation?: Collation,
  ): Document[] {
    const f = filter ?? {};
    if (this.viewSource) {
      const q = Object.keys(f).length === 0 ? undefined : compileFilter(f, variables, collation);
      const out: Document[] = [];
      for (const d of this.viewSource()) if ((!q || q.test(d)) && out.push(d) >= max) break;
      return out;
    }
    const p: Plan = Object.keys(f).length === 0 ? { exact: true } : plan(f, this, collation);
    const out: Document[] = [];
    let examined = 0;
    let keys = 0;
    if (p.ids === undefined) {
      const q = p.exact ? undefined : compileFilter(f, variables, collation);
      for (const d of this.docs.values()) {
        examined++;
        if ((!q || q.test(d)) && out.push(d) >= max) break;
      }
    } else {
      const q = p.exact ? undefined : compileFilter(f, variables, collation);
      const seen = new Set<string>();
      for (const id of p.ids) {
        keys++;
        if (seen.has(id)) continue;
        seen.add(id);
        const d = this.docs.get(id);
        if (!d) continue;
        examined++;
        if ((!q || q.test(d)) && out.push(d) >= max) break;
      }
    }
    this.stats.docsExamined += examined;
    this.stats.keysExamined += keys;
    if (stats) {
      stats.docsExamined += examined;
      stats.keysExamined += keys;
      stats.index = p.index;
    }
    return out;
  }

  /** mongod's refusal of any write or index build on a view. */
  assertWritable(): void {
    if (this.viewSource)
      throw new MongoCommandError(
        ErrorCodes.CommandNotSupportedOnView,
        `Namespace ${this.ns} is a view, not a collection`,
      );
  }

  /** Throws E11000 if `doc` would collide with another document on a unique index. */
  checkUnique(doc: Document, selfId: string): void {
    for (const idx of this.indexes.values()) {
      if (this.keys.timeseries && idx.name === '_id_') continue;
      if (idx.conflict(doc, selfId) !== undefined) throw this.duplicateError(idx, doc);
    }
  }

  /** checkUnique for a new document whose id key is known: a scalar `_id` is looked up in `docs`. */
  private checkUniqueNew(doc: Document, id: string): void {
    for (const idx of this.indexes.values()) {
      const taken =
        idx.name !== '_id_'
          ? idx.conflict(doc, NO_DOCUMENT) !== undefined
          : this.keys.timeseries
            ? false
            : !Array.isArray(doc._id) && !idx.collation
              ? this.docs.has(id)
              : idx.conflict(doc, NO_DOCUMENT) !== undefined;
      if (taken) throw this.duplicateError(idx, doc);
    }
  }

  duplicateError(idx: Index, doc: Document): MongoCommandError {
    const keyValue = idx.keyValue(doc);
    const shown = Object.keys(keyValue)
      .map((k) => `${k}: ${formatValue(keyValue[k])}`)
      .join(', ');
    return new MongoCommandError(
      ErrorCodes.DuplicateKey,
      `E11000 duplicate key error collection: ${this.ns} index: ${idx.name} dup key: { ${shown} }`,
      { keyPattern: { ...idx.spec.key }, keyValue },
    );
  }

  /**
   * Stores a private deep copy (with `_id` first, generated if missing), except on replay.
   * `raw` is the document's BSON as it came off the wire: a document decoded from it belongs to
   * this call alone, so when its `_id` already comes first it is stored as it is, its size is
   * the byte count, and the journal gets those bytes instead of a second serialisation.
   */
  insert(doc: Document, force = false, bypassValidation = false, raw?: Uint8Array): Document {
    if (!force) {
      this.assertWritable();
      if (raw === undefined || !idFirst(doc)) {
        raw = undefined;
        const { _id, ...rest } = deepClone(doc);
        // Only a missing _id is generated: null is a valid, storable _id.
        doc = { _id: _id === undefined ? new ObjectId() : (_id as unknown), ...rest };
      }
      validateIdForStorage(doc._id);
      if (!bypassValidation) checkValidation(this.options, doc);
    }
    const id = this.keys.fresh(doc);
    const size = raw?.length ?? calculateObjectSize(doc);
    if (!force) {
      this.checkUniqueNew(doc, id);
      this.charge(size, false);
    } else {
      const old = this.keys.timeseries ? undefined : this.docs.get(id);
      if (old) {
        this.unindex(old, id);
        this.refund(calculateObjectSize(old));
      }
      // Replay holds everything already stored, even above a since-lowered limit.
      this.charge(size, true);
    }
    this.docs.set(id, doc);
    for (const idx of this.indexes.values()) idx.add(doc, id);
    if (!force) this.record({ op: 'put', db: this.db, coll: this.name, doc, raw });
    return doc;
  }

  /** Swaps `oldDoc` for `newDoc` (same _id) after checking unique indexes. */
  replace(oldDoc: Document, newDoc: Document, bypassValidation = false): void {
    this.assertWritable();
    if (!bypassValidation) checkValidation(this.options, newDoc, oldDoc);
    const id = this.keys.of(oldDoc);
    // _id is immutable, so its index entry stays as it is.
    for (const idx of this.indexes.values()) {
      if (idx.name !== '_id_' && idx.conflict(newDoc, id) !== undefined)
        throw this.duplicateError(idx, newDoc);
    }
    const oldSize = calculateObjectSize(oldDoc);
    const newSize = calculateObjectSize(newDoc);
    if (newSize > oldSize) this.charge(newSize - oldSize, false);
    else this.refund(oldSize - newSize);
    for (const idx of this.indexes.values()) if (idx.name !== '_id_') idx.remove(oldDoc, id);
    this.docs.set(id, newDoc);
    for (const idx of this.indexes.values()) if (idx.name !== '_id_') idx.add(newDoc, id);
    this.keys.carry(oldDoc, newDoc);
    // Replay appends every put to a time-series collection, so the old version goes first.
    if (this.keys.timeseries) this.record({ op: 'del', db: this.db, coll: this.name, id: oldDoc });
    this.record({ op: 'put', db: this.db, coll: this.name, doc: newDoc });
  }

  remove(doc: Document, journal = true): void {
    if (journal) this.assertWritable();
    const id = this.keys.of(doc);
    const stored = this.docs.get(id);
    if (!stored) return;
    this.unindex(stored, id);
    this.docs.delete(id);
    this.refund(calculateObjectSize(stored));
    const key: unknown = this.keys.timeseries ? doc : doc._id;
    if (journal) this.record({ op: 'del', db: this.db, coll: this.name, id: key });
  }

  /** Replays a `del`: by `_id`, or in a time-series collection (shared `_id`s) by the whole document. */
  removeById(idValue: unknown): void {
    const ts = this.keys.timeseries && isPlainObject(idValue);
    const candidates = ts ? this.indexes.get('_id_')!.lookup(idValue._id) : [keyOf(idValue)];
    for (const k of candidates) {
      const d = this.docs.get(k);
      if (d && (!ts || keyOf(d) === keyOf(idValue))) return this.remove(d, false);
    }
  }

  private unindex(doc: Document, id: string): void {
    for (const idx of this.indexes.values()) idx.remove(doc, id);
  }

  /** Builds an index over existing documents; with `force` (journal replay) duplicates are tolerated. */
  createIndex(spec: IndexSpec, force = false): void {
    if (!force) this.assertWritable();
    const idx = new Index(spec, !this.keys.timeseries);
    for (const [id, d] of this.docs) {
      if (!force && idx.conflict(d, id) !== undefined) throw this.duplicateError(idx, d);
      idx.add(d, id);
    }
    this.indexes.set(spec.name, idx);
    this.refreshPlanIndexes();
    if (!force) this.record({ op: 'createIndex', db: this.db, coll: this.name, spec });
  }

  dropIndex(name: string, journal = true): void {
    this.indexes.delete(name);
    this.refreshPlanIndexes();
    if (journal) this.record({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }
}
