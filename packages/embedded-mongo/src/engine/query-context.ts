import { Context } from 'mingo';
import { evalExpr } from 'mingo/core';
import { Aggregator } from 'mingo/aggregator';
import { Query } from 'mingo/query';
import { Lazy, type Iterator } from 'mingo/lazy';
import { ensureArray, flatten, resolve } from 'mingo/util';
import type { Options } from 'mingo/types';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as queryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import type { Document } from 'bson';
import type { Collation } from './collation';
import { jsonSchemaValidator } from './json-schema';
import { sortDocs } from './shape';
import { compareValues, keyOf, typeRank } from './values';

/*
 * mingo with MongoDB's comparison semantics. mingo compares values of different JS types as
 * unequal (an int64 never equals an int32, Decimal128("1.0") never equals 1) and has no collation
 * outside `$sort`, so its comparison query operators and the `$sort` stage are replaced here by
 * ones built on `compareValues`/`keyOf`, which compare numbers exactly across types and strings
 * by the operation's collation. Everything else is mingo's own operators.
 */

type QueryOp = (selector: string, value: unknown, options: Options) => (doc: unknown) => boolean;

const isNil = (v: unknown): boolean => v === null || v === undefined;

function equal(a: unknown, b: unknown, c: Collation | undefined): boolean {
  if (a === b) return true;
  const ta = typeof a;
  // The common cases, decided without the general comparison.
  if (ta === 'string' && typeof b === 'string')
    return c !== undefined && c.compare(a as string, b) === 0;
  if (ta === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  return typeRank(a) === typeRank(b) && compareValues(a, b, c) === 0;
}

/** The field's value(s) the way mingo resolves them: arrays along the path are unwrapped. */
function field(selector: string): { depth: number; get: (doc: unknown) => unknown } {
  let depth = 0;
  for (let i = selector.indexOf('.'); i !== -1; i = selector.indexOf('.', i + 1)) depth++;
  return { depth, get: (doc) => resolve(doc as Document, selector, { unwrapArray: true }) };
}

function eqOp(c: Collation | undefined): QueryOp {
  return (selector, value) => {
    const { depth, get } = field(selector);
    return (doc) => {
      const a = get(doc);
      if (equal(a, value, c)) return true;
      if (!Array.isArray(a)) return false;
      return a.some((v) => equal(v, value, c)) || flatten(a, depth).some((v) => equal(v, value, c));
    };
  };
}

function rangeOp(c: Collation | undefined, test: (cmp: number) => boolean): QueryOp {
  return (selector, value) => {
    const { get } = field(selector);
    const rank = typeRank(value);
    return (doc) => {
      for (const v of ensureArray<unknown>(get(doc)))
        if (typeRank(v) === rank && test(compareValues(v, value, c))) return true;
      return false;
    };
  };
}

const isRegex = (v: unknown): v is RegExp => v instanceof RegExp;

function inOp(c: Collation | undefined): QueryOp {
  return (selector, value) => {
    if (!Array.isArray(value)) throw new Error('$in needs an array');
    const { get } = field(selector);
    const patterns = value.filter(isRegex);
    const keys = new Set(value.filter((v) => !isRegex(v)).map((v) => keyOf(v, c)));
    const hasNull = value.some((v) => v === null);
    return (doc) => {
      const a = get(doc);
      if (isNil(a)) return hasNull;
      if (Array.isArray(a) && keys.has(keyOf(a, c))) return true;
      const values = ensureArray<unknown>(a);
      for (const v of values) if (keys.has(keyOf(v, c))) return true;
      return (
        patterns.length > 0 &&
        values.some((v) => typeof v === 'string' && patterns.some((re) => re.test(v)))
      );
    };
  };
}

const negate =
  (op: QueryOp): QueryOp =>
  (selector, value, options) => {
    const p = op(selector, value, options);
    return (doc) => !p(doc);
  };

/** The `$sort` stage by MongoDB's order (exact numbers, the collation for strings). */
function sortStage(c: Collation | undefined) {
  return (coll: Iterator, spec: Document): Iterator =>
    coll.transform((docs) => Lazy(sortDocs(docs as Document[], spec, c)));
}

type Stage = (coll: Iterator, spec: Document, options: Options) => Iterator;
const mingoGroup = pipelineOps.$group as unknown as Stage;

/**
 * `$group` under a collation: string keys the collation calls equal form one group (keyed by
 * the first one seen), and mingo's own `$group` computes each group's accumulators.
 */
function groupStage(c: Collation): Stage {
  return (coll, spec, options) =>
    coll.transform((docs: Document[]) => {
      const groups = new Map<string, { id: unknown; docs: Document[] }>();
      for (const d of docs) {
        const id = evalExpr(d, spec._id, options);
        const k = keyOf(id, c);
        const g = groups.get(k);
        if (g) g.docs.push(d);
        else groups.set(k, { id, docs: [d] });
      }
      const out: Document[] = [];
      for (const g of groups.values()) {
        const one = { ...spec, _id: { $literal: g.id ?? null } };
        out.push(...mingoGroup(Lazy(g.docs), one, options).collect<Document>());
      }
      return Lazy(out);
    });
}

function buildContext(c: Collation | undefined): Context {
  const eq = eqOp(c);
  const inn = inOp(c);
  return Context.init({
    accumulator: accumulatorOps,
    expression: expressionOps,
    pipeline: { ...pipelineOps, $sort: sortStage(c), ...(c && { $group: groupStage(c) }) },
    projection: projectionOps,
    query: {
      ...queryOps,
      $eq: eq,
      $ne: negate(eq),
      $gt: rangeOp(c, (x) => x > 0),
      $gte: rangeOp(c, (x) => x >= 0),
      $lt: rangeOp(c, (x) => x < 0),
      $lte: rangeOp(c, (x) => x <= 0),
      $in: inn,
      $nin: negate(inn),
    },
    window: windowOps,
  } as unknown as Parameters<typeof Context.init>[0]);
}

const contexts = new Map<string, Context>();

/** One context per collation (and one for binary comparison), built once. */
export function contextFor(c?: Collation): Context {
  const id = c ? c.id : '';
  let ctx = contexts.get(id);
  if (!ctx) contexts.set(id, (ctx = buildContext(c)));
  return ctx;
}

/** Server-side JavaScript ($where, $function) stays off: clients must not run code in the database. */
const BASE = { scriptEnabled: false, jsonSchemaValidator };

/**
 * A command's `let` document, each value evaluated once as an expression (as mongod does, so
 * `{$concat: [...]}` or `'$$NOW'` become their values); the result holds constants only.
 */
export function evaluateLet(vars: Document, root: Document = {}): Document {
  const out: Document = {};
  const options = { ...BASE, context: contextFor() } as unknown as Options;
  for (const [name, expr] of Object.entries(vars)) out[name] = evalExpr(root, expr, options);
  return out;
}

export function newQuery(filter: Document, variables?: Document, c?: Collation): Query {
  return new Query(filter, { ...BASE, context: contextFor(c), ...(variables && { variables }) });
}

export function newAggregator(
  pipeline: Document[],
  options: Partial<Options> = {},
  c?: Collation,
): Aggregator {
  return new Aggregator(pipeline, { ...BASE, ...options, context: contextFor(c) });
}
