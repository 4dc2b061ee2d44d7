import type { Query } from 'mingo/query';
import type { Document } from 'bson';
import type { Collation } from './collation';
import type { Index, RangeBound } from './indexes';
import { newQuery } from './query-context';
import { isPlainObject, keyOf, typeRank } from './values';

/** Server-side JavaScript ($where, $function) stays off: clients must not run code in the database. */
export const MINGO_OPTIONS = { scriptEnabled: false };

const MAX_CACHED_QUERIES = 2000;
const queryCache = new Map<string, Query>();

/**
 * Compiling a mingo Query costs tens of µs, so identical filters (under the same collation)
 * reuse one compiled query.
 */
export function compileFilter(
  filter: Document,
  variables?: Document,
  collation?: Collation,
): Query {
  // With `let` variables the compiled query is specific to them: not cached.
  if (variables) return newQuery(filter, variables, collation);
  const key = collation ? collation.id + keyOf(filter) : keyOf(filter);
  let q = queryCache.get(key);
  if (!q) {
    q = newQuery(filter, undefined, collation);
    if (queryCache.size >= MAX_CACHED_QUERIES) queryCache.clear();
    queryCache.set(key, q);
  }
  return q;
}

export interface Plan {
  /** Candidate id keys, or undefined for a collection scan. */
  ids?: Iterable<string>;
  /** Candidates satisfy the whole filter, so re-filtering can be skipped. */
  exact: boolean;
  index?: string;
}

type Condition =
  { kind: 'eq'; values: unknown[] } | { kind: 'range'; lower?: RangeBound; upper?: RangeBound };

/** Values an index key can be looked up by exactly (no null/array/regex/document semantics). */
function isScalarKey(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp) return false;
  const rank = typeRank(v);
  return rank !== 4 && rank !== 11 && rank !== 0 && rank !== 12;
}

function condition(spec: unknown): Condition | undefined {
  if (!isPlainObject(spec) || !Object.keys(spec).some((k) => k.startsWith('$'))) {
    return isScalarKey(spec) ? { kind: 'eq', values: [spec] } : undefined;
  }
  const keys = Object.keys(spec);
  if (keys.length === 1 && keys[0] === '$eq')
    return isScalarKey(spec.$eq) ? { kind: 'eq', values: [spec.$eq] } : undefined;
  if (keys.length === 1 && keys[0] === '$in') {
    const vals = spec.$in as unknown;
    return Array.isArray(vals) && vals.every(isScalarKey)
      ? { kind: 'eq', values: vals }
      : undefined;
  }
  let lower: RangeBound | undefined;
  let upper: RangeBound | undefined;
  for (const k of keys) {
    const v = spec[k] as unknown;
    if (!isScalarKey(v)) return undefined;
    if (k === '$gt' || k === '$gte') lower = { value: v, inclusive: k === '$gte' };
    else if (k === '$lt' || k === '$lte') upper = { value: v, inclusive: k === '$lte' };
    else return undefined;
  }
  if (lower && upper && typeRank(lower.value) !== typeRank(upper.value)) return undefined;
  return { kind: 'range', lower, upper };
}

/** Top-level field conditions, including those inside a top-level $and. */
function fieldConditions(filter: Document, out: [string, unknown][] = []): [string, unknown][] {
  for (const k of Object.keys(filter)) {
    if (k === '$and' && Array.isArray(filter.$and)) {
      for (const clause of filter.$and as unknown[])
        if (isPlainObject(clause)) fieldConditions(clause, out);
    } else if (!k.startsWith('$')) out.push([k, filter[k]]);
  }
  return out;
}

export interface PlanSource {
  byField(field: string): Index | undefined;
}

// Index keys are scalars (see isScalarKey), so only a string bound depends on the collation.
const hasString = (values: unknown[]): boolean => values.some((v) => typeof v === 'string');

/** An index answers string bounds only under its own collation (like mongod's planner). */
function usable(index: Index, c: Condition, collation: Collation | undefined): boolean {
  if (index.collation === collation) return true;
  const values = c.kind === 'eq' ? c.values : [c.lower?.value, c.upper?.value];
  return !hasString(values);
}

/**
 * Picks one index for a filter: equality beats $in beats range; unique indexes first.
 * Candidates are always re-filtered unless the filter is a single scalar equality.
 */
export function plan(filter: Document, source: PlanSource, collation?: Collation): Plan {
  const conds = fieldConditions(filter);
  let best: { score: number; run: () => Iterable<string>; index: string } | undefined;
  for (const [field, spec] of conds) {
    const index = source.byField(field);
    if (!index) continue;
    const c = condition(spec);
    if (!c || !usable(index, c, collation)) continue;
    let score: number;
    let run: () => Iterable<string>;
    if (c.kind === 'eq') {
      score = c.values.length === 1 ? (index.unique ? 100 : 80) : 60;
      run =
        c.values.length === 1
          ? () => index.lookup(c.values[0])
          : () => new Set(c.values.flatMap((v) => [...index.lookup(v)]));
    } else {
      score = c.lower && c.upper ? 40 : 20;
      run = () => index.range(c.lower, c.upper);
    }
    if (!best || score > best.score) best = { score, run, index: index.name };
  }
  if (!best) return { exact: false };
  const keys = Object.keys(filter);
  const exact =
    keys.length === 1 &&
    conds.length === 1 &&
    best.score >= 80 &&
    condition(filter[keys[0]])?.kind === 'eq';
  return { ids: best.run(), exact, index: best.index };
}
