import type { Query } from 'mingo/query';
import type { Document } from 'bson';
import type { IndexSpec } from '../persistence/persistence.types';
import { parseCollation, type Collation } from './collation';
import { compileFilter } from './planner';
import { compareValues, keyOf, typeRank, valuesAtParts } from './values';

/** `ids` is a bare string while one document holds the key: most keys (ids, tokens) are unique. */
interface Bucket {
  value: unknown;
  ids: string | Set<string>;
}

const idsOf = (b: Bucket | undefined): Iterable<string> =>
  b === undefined ? [] : typeof b.ids === 'string' ? [b.ids] : b.ids;

function addId(b: Bucket, id: string): void {
  if (typeof b.ids !== 'string') b.ids.add(id);
  else if (b.ids !== id) b.ids = new Set([b.ids, id]);
}

/** Whether the bucket is empty afterwards. */
function removeId(b: Bucket, id: string): boolean {
  if (typeof b.ids === 'string') return b.ids === id;
  b.ids.delete(id);
  if (b.ids.size === 1) b.ids = b.ids.values().next().value!;
  return false;
}

export interface RangeBound {
  value: unknown;
  inclusive: boolean;
}

/**
 * A secondary index: an exact-key hash map (unique checks, compound equality) plus, for the
 * first key field, a hash map and a lazily sorted key list used for equality and range plans.
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
  private sorted: { k: string; v: unknown }[] = [];
  private readonly inSorted = new Set<string>();
  private pending: string[] = [];
  /** Set when the sorted list fell too far behind; the next range scan rebuilds it. */
  private stale = false;
  private readonly partial?: Query;
  /** Strings are keyed and ordered by it (`collation` in the spec; absent = binary). */
  readonly collation?: Collation;
  /** `keyOf` under the index's collation, made once: the insert path calls it for every key. */
  private readonly keyFn: (v: unknown) => string;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.paths = this.fields.map((f) => f.split('.'));
    const collation = parseCollation(spec.collation) ?? undefined;
    this.collation = collation;
    this.keyFn = collation ? (v) => keyOf(v, collation) : (v) => keyOf(v);
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
    for (const v of valuesAtParts(doc, this.paths[0])) {
      const k = this.keyFn(v);
      let b = this.first.get(k);
      if (!b) {
        this.first.set(k, (b = { value: v, ids: id }));
        if (!this.stale && !this.inSorted.has(k)) this.pending.push(k);
      } else addId(b, id);
    }
    // Write-heavy use without range scans must not grow `pending` without bound.
    if (this.pending.length > this.first.size + 1024) {
      this.stale = true;
      this.pending = [];
      this.sorted = [];
      this.inSorted.clear();
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
      if (b && removeId(b, id)) this.first.delete(k);
    }
  }

  /** Ids whose first-field key equals `value`. */
  lookup(value: unknown): Iterable<string> {
    return idsOf(this.first.get(this.keyFn(value)));
  }

  /** Ids whose first-field key lies in the range, within the BSON type bracket of the bound(s), like mongod. */
  range(lower?: RangeBound, upper?: RangeBound): string[] {
    const anchor = lower ?? upper;
    if (!anchor) return [];
    this.settle();
    const rank = typeRank(anchor.value);
    const keys = this.sorted;
    const lo = lower ? this.bound(lower.value, !lower.inclusive) : this.rankStart(rank);
    const out: string[] = [];
    for (let i = lo; i < keys.length; i++) {
      if (typeRank(keys[i].v) !== rank) break;
      if (upper) {
        const c = compareValues(keys[i].v, upper.value, this.collation);
        if (c > 0 || (c === 0 && !upper.inclusive)) break;
      }
      for (const id of idsOf(this.first.get(keys[i].k))) out.push(id);
    }
    return out;
  }

  private rankStart(rank: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (typeRank(this.sorted[mid].v) < rank) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of distinct first-field keys, used by the planner to estimate selectivity. */
  get distinctKeys(): number {
    return this.first.size;
  }

  private bound(value: unknown, after: boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareValues(this.sorted[mid].v, value, this.collation);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Folds keys added since the last range scan into the sorted list; stale keys are dropped on a rebuild. */
  private settle(): void {
    const bloated = this.sorted.length > this.first.size * 2;
    if (!this.stale && this.pending.length === 0 && !bloated) return;
    if (!this.stale && this.pending.length < 64 && !bloated) {
      for (const k of this.pending) {
        const b = this.first.get(k);
        if (!b || this.inSorted.has(k)) continue;
        this.sorted.splice(this.bound(b.value, false), 0, { k, v: b.value });
        this.inSorted.add(k);
      }
    } else {
      const entries = [...this.first.entries()].sort((a, b) =>
        compareValues(a[1].value, b[1].value, this.collation),
      );
      this.sorted = entries.map(([k, b]) => ({ k, v: b.value }));
      this.inSorted.clear();
      for (const e of this.sorted) this.inSorted.add(e.k);
      this.stale = false;
    }
    this.pending = [];
  }

  clear(): void {
    this.full.clear();
    this.first.clear();
    this.sorted = [];
    this.inSorted.clear();
    this.pending = [];
    this.stale = false;
  }
}
