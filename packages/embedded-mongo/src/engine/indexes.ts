import type { Query } from 'mingo/query';
import type { Document } from 'bson';
import type { IndexSpec } from '../persistence/persistence.types';
import { parseCollation, type Collation } from './collation';
import { compileFilter } from './planner';
import { SortedKeys } from './sorted-keys';
import { compareValues, keyOf, typeRank, valuesAtParts } from './values';

/**
 * `ids` is a bare string while one document holds the key (most keys: ids, tokens), a small
 * array while a few do (timestamps shared by a batch), and a Set beyond SMALL_BUCKET ids (a
 * client id, an event type): a Set per key shared by two documents would cost more to build,
 * hold and collect than the array scan it saves.
 */
interface Bucket {
  value: unknown;
  ids: string | string[] | Set<string>;
}

const SMALL_BUCKET = 8;

const idsOf = (b: Bucket | undefined): Iterable<string> =>
  b === undefined ? [] : typeof b.ids === 'string' ? [b.ids] : b.ids;

function addId(b: Bucket, id: string): void {
  const ids = b.ids;
  if (typeof ids === 'string') {
    if (ids !== id) b.ids = [ids, id];
  } else if (Array.isArray(ids)) {
    if (ids.includes(id)) return;
    if (ids.length < SMALL_BUCKET) ids.push(id);
    else b.ids = new Set([...ids, id]);
  } else ids.add(id);
}

/** Whether the bucket is empty afterwards. */
function removeId(b: Bucket, id: string): boolean {
  const ids = b.ids;
  if (typeof ids === 'string') return ids === id;
  if (Array.isArray(ids)) {
    const at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1);
    if (ids.length === 1) b.ids = ids[0];
    return false;
  }
  ids.delete(id);
  if (ids.size === 1) b.ids = ids.values().next().value!;
  return false;
}

export interface RangeBound {
  value: unknown;
  inclusive: boolean;
}

/**
 * A secondary index: an exact-key hash map (unique checks, compound equality) plus, for the
 * first key field, a hash map (equality plans) and the same buckets in key order (range plans,
 * TTL sweeps), kept up to date on every write so no read ever has to sort.
 */
export class Index {
  readonly fields: string[];
  private readonly paths: string[][];
  /**
   * Unique compound indexes only: it exists for uniqueness checks, and a single-field index answers
   * those from `first`. Non-unique compound indexes skip it, which halves their memory.
   */
  private readonly full = new Map<string, Set<string>>();
  private readonly first = new Map<string, Bucket>();
  private readonly sorted: SortedKeys<Bucket>;
  private readonly partial?: Query;
  /** The first field is a plain top-level name: its value is read without a path walk. */
  private readonly topField?: string;
  /** Strings are keyed and ordered by it (`collation` in the spec; absent = binary). */
  readonly collation?: Collation;
  /** `keyOf` under the index's collation, made once: the insert path calls it for every key. */
  private readonly keyFn: (v: unknown) => string;
  /** The `_id` index's key is the document's stored key: binary, and no time-series counter. */
  private readonly keyIsStoredId: boolean;

  /** `storedById`: the collection holds documents under `keyOf(_id)` (not time-series). */
  constructor(
    readonly spec: IndexSpec,
    storedById = true,
  ) {
    this.fields = Object.keys(spec.key);
    this.paths = this.fields.map((f) => f.split('.'));
    if (this.paths[0].length === 1) this.topField = this.fields[0];
    const collation = parseCollation(spec.collation) ?? undefined;
    this.collation = collation;
    this.keyFn = collation ? (v) => keyOf(v, collation) : (v) => keyOf(v);
    this.sorted = new SortedKeys<Bucket>((a, b) => compareValues(a, b, collation));
    this.keyIsStoredId = storedById && !collation && this.topField === '_id';
    if (spec.partialFilterExpression)
      this.partial = compileFilter(spec.partialFilterExpression, undefined, this.collation);
  }

  get name(): string {
    return this.spec.name;
  }

  get unique(): boolean {
    return this.spec.unique === true || this.spec.name === '_id_';
  }

  /** Whether the index covers every document, so it can answer queries on its first field. */
  get plannable(): boolean {
    return (
      !this.spec.sparse &&
      !this.spec.hidden &&
      !this.partial &&
      typeof Object.values(this.spec.key)[0] === 'number'
    );
  }

  /** Whether this document has entries at all (sparse and partial indexes skip some). */
  covers(doc: Document): boolean {
    if (this.partial && !this.partial.test(doc)) return false;
    if (this.spec.sparse)
      return this.paths.some((p) => valuesAtParts(doc, p).some((v) => v !== undefined));
    return true;
  }

  /** Full compound keys of a document (several for multikey documents). */
  keys(doc: Document): string[] {
    let acc = [''];
    for (const path of this.paths) {
      const parts = [...new Set(valuesAtParts(doc, path).map(this.keyFn))];
      const next: string[] = [];
      for (const prefix of acc)
        for (const p of parts) next.push(prefix === '' ? p : prefix + '\u0000' + p);
      acc = next;
    }
    return acc;
  }

  /** The `{field: value}` pair reported in E11000 errors for a document. */
  keyValue(doc: Document): Document {
    const out: Document = {};
    this.fields.forEach((f, i) => {
      out[f] = valuesAtParts(doc, this.paths[i])[0] ?? null;
    });
    return out;
  }

  /** Returns the id key of another document holding one of `doc`'s keys, if any. */
  conflict(doc: Document, selfId: string): string | undefined {
    if (!this.unique || !this.covers(doc)) return undefined;
    const compound = this.paths.length > 1;
    for (const k of compound ? this.keys(doc) : valuesAtParts(doc, this.paths[0]).map(this.keyFn)) {
      const ids = compound ? this.full.get(k) : idsOf(this.first.get(k));
      if (!ids) continue;
      for (const id of ids) if (id !== selfId) return id;
    }
    return undefined;
  }

  add(doc: Document, id: string): void {
    if (!this.covers(doc)) return;
    if (this.paths.length > 1 && this.unique) {
      for (const k of this.keys(doc)) {
        let s = this.full.get(k);
        if (!s) this.full.set(k, (s = new Set()));
        s.add(id);
      }
    }
    const v = this.topField === undefined ? undefined : (doc[this.topField] as unknown);
    // The document's id key is keyOf(_id): the _id index need not compute it again.
    if (this.topField !== undefined && !Array.isArray(v))
      this.addKey(v, id, this.keyIsStoredId ? id : this.keyFn(v));
    else
      for (const each of valuesAtParts(doc, this.paths[0])) this.addKey(each, id, this.keyFn(each));
  }

  private addKey(v: unknown, id: string, k: string): void {
    const b = this.first.get(k);
    if (b) addId(b, id);
    else {
      const created = { value: v, ids: id };
      this.first.set(k, created);
      this.sorted.insert(created);
    }
  }

  remove(doc: Document, id: string): void {
    if (!this.covers(doc)) return;
    if (this.paths.length > 1 && this.unique) {
      for (const k of this.keys(doc)) {
        const s = this.full.get(k);
        if (s && s.delete(id) && s.size === 0) this.full.delete(k);
      }
    }
    for (const v of valuesAtParts(doc, this.paths[0])) {
      const k = this.keyFn(v);
      const b = this.first.get(k);
      if (b && removeId(b, id)) {
        this.first.delete(k);
        this.sorted.remove(b);
      }
    }
  }

  /** Ids whose first-field key equals `value`. */
  lookup(value: unknown): Iterable<string> {
    return idsOf(this.first.get(this.keyFn(value)));
  }

  /** Ids whose first-field key lies in the range, within the BSON type bracket of the bound(s), like mongod. */
  range(lower?: RangeBound, upper?: RangeBound): string[] {
    const out: string[] = [];
    for (const b of this.rangeBuckets(lower, upper)) for (const id of idsOf(b)) out.push(id);
    return out;
  }

  /**
   * At most `max` ids of the range, in key order: a caller working in slices takes one slice,
   * changes the collection, and asks again.
   */
  rangeIds(upper: RangeBound, max: number): string[] {
    const out: string[] = [];
    if (max <= 0) return out;
    for (const b of this.rangeBuckets(undefined, upper)) {
      for (const id of idsOf(b)) if (out.push(id) >= max) return out;
    }
    return out;
  }

  private *rangeBuckets(lower?: RangeBound, upper?: RangeBound): Generator<Bucket> {
    const anchor = lower ?? upper;
    if (!anchor) return;
    const rank = typeRank(anchor.value);
    const start = lower
      ? (v: unknown) => {
          const c = compareValues(v, lower.value, this.collation);
          return lower.inclusive ? c >= 0 : c > 0;
        }
      : (v: unknown) => typeRank(v) >= rank;
    for (const b of this.sorted.from(start)) {
      if (typeRank(b.value) !== rank) return;
      if (upper) {
        const c = compareValues(b.value, upper.value, this.collation);
        if (c > 0 || (c === 0 && !upper.inclusive)) return;
      }
      yield b;
    }
  }

  /** Number of distinct first-field keys, used by the planner to estimate selectivity. */
  get distinctKeys(): number {
    return this.first.size;
  }

  clear(): void {
    this.full.clear();
    this.first.clear();
    this.sorted.clear();
  }
}
