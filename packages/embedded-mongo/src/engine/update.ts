import { Aggregator } from 'mingo';
import { update as mingoUpdate, type Modifier } from 'mingo/updater';
import { ObjectId, type Document } from 'bson';
import { MINGO_OPTIONS } from './planner';
import { ErrorCodes, MongoCommandError } from '../errors';
import { deepClone, isPlainObject, keyOf, setPath } from './values';
import { applyWideNumbers } from './wide-update';

export interface UpdateOptions {
  query: Document;
  arrayFilters?: Document[];
  /** True when building an upserted document: $setOnInsert applies. */
  inserting: boolean;
  /** The command's `let` variables, for pipeline updates. */
  variables?: Document;
}

export interface UpdateOutcome {
  doc: Document;
  modified: boolean;
}

const PIPELINE_STAGES = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

export function isOperatorUpdate(u: unknown): boolean {
  return isPlainObject(u) && Object.keys(u).length > 0 && Object.keys(u)[0].startsWith('$');
}

export function validateUpdate(u: unknown): void {
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !PIPELINE_STAGES.has(name)) {
        throw new MongoCommandError(
          ErrorCodes.FailedToParse,
          `Unrecognized pipeline stage name: '${name}'`,
        );
      }
    }
    return;
  }
  if (!isPlainObject(u))
    throw new MongoCommandError(
      ErrorCodes.FailedToParse,
      'Update argument must be either an object or an array',
    );
  const keys = Object.keys(u);
  const ops = keys.filter((k) => k.startsWith('$'));
  if (ops.length > 0 && ops.length !== keys.length) {
    const bad = keys.find((k) => !k.startsWith('$'));
    throw new MongoCommandError(
      ErrorCodes.FailedToParse,
      `Unknown modifier: ${bad}. Expected a valid update modifier or pipeline-style update specified as an array`,
    );
  }
  for (const op of ops) {
    if (!isPlainObject(u[op])) {
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        `Modifiers operate on fields but we found type ${typeof u[op]} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(u[op])}}`,
      );
    }
  }
}

function immutableId(): MongoCommandError {
  return new MongoCommandError(
    ErrorCodes.ImmutableField,
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );
}

const FAST_OPS = new Set(['$set', '$unset', '$inc']);

/**
 * $set/$unset/$inc of plain top-level fields (Mongoose's save path, counters) without mingo,
 * which builds a fresh query context on every call. Anything unusual falls back to mingo.
 */
function tryFastPath(doc: Document, u: Document): UpdateOutcome | undefined {
  const seen = new Set<string>();
  for (const op of Object.keys(u)) {
    if (!FAST_OPS.has(op)) return undefined;
    for (const f of Object.keys(u[op] as Document)) {
      if (f.includes('.') || f.startsWith('$') || f === '_id' || f === '' || seen.has(f))
        return undefined;
      seen.add(f);
    }
  }
  const incs = Object.entries((u.$inc ?? {}) as Record<string, unknown>);
  for (const [f, by] of incs) {
    if (typeof by !== 'number' || (f in doc && typeof doc[f] !== 'number')) return undefined;
  }
  const out: Document = { ...doc };
  let modified = false;
  for (const [f, v] of Object.entries((u.$set ?? {}) as Record<string, unknown>)) {
    if (!(f in out) || keyOf(out[f]) !== keyOf(v)) modified = true;
    out[f] = v;
  }
  for (const f of Object.keys((u.$unset ?? {}) as Document)) {
    if (f in out) {
      delete out[f];
      modified = true;
    }
  }
  for (const [f, by] of incs) {
    const next = ((out[f] as number | undefined) ?? 0) + (by as number);
    if (!(f in out) || next !== out[f]) modified = true;
    out[f] = next;
  }
  return { doc: out, modified };
}

/** Returns the post-image of `doc` under update `u`; never mutates `doc`. */
export function applyUpdate(
  doc: Document,
  u: Document | Document[],
  opts: UpdateOptions,
): UpdateOutcome {
  if (Array.isArray(u)) {
    const options = opts.variables
      ? { ...MINGO_OPTIONS, variables: opts.variables }
      : MINGO_OPTIONS;
    let [out] = new Aggregator(u, options).run<Document>([deepClone(doc)]);
    // A stage that drops _id ($replaceRoot, $project) keeps the original one, as in mongod.
    if (!('_id' in out)) out = { _id: doc._id as unknown, ...out };
    if (keyOf(out._id) !== keyOf(doc._id)) throw immutableId();
    return { doc: out, modified: keyOf(out) !== keyOf(doc) };
  }
  if (!isOperatorUpdate(u)) {
    if (u._id !== undefined && doc._id !== undefined && keyOf(u._id) !== keyOf(doc._id))
      throw immutableId();
    const out: Document = { _id: (doc._id === undefined ? u._id : doc._id) as unknown, ...u };
    return { doc: out, modified: keyOf(out) !== keyOf(doc) };
  }
  const modifier: Document = { ...u };
  if (modifier.$setOnInsert !== undefined) {
    if (opts.inserting)
      modifier.$set = {
        ...(modifier.$set as Document | undefined),
        ...(modifier.$setOnInsert as Document),
      };
    delete modifier.$setOnInsert;
  }
  if (Object.keys(modifier).length === 0) return { doc, modified: false };
  const fast = tryFastPath(doc, modifier);
  if (fast) return fast;
  const out = deepClone(doc);
  const wide = applyWideNumbers(out, modifier);
  const rest = wide.rest;
  const positional = JSON.stringify(
    Object.values(rest).map((o) => Object.keys(o as Document)),
  ).includes('.$');
  let changed: string[] = wide.changed;
  try {
    if (Object.keys(rest).length > 0)
      changed = changed.concat(
        mingoUpdate(
          out,
          rest as Modifier<Document>,
          opts.arrayFilters,
          positional && !opts.inserting ? opts.query : undefined,
        ),
      );
  } catch (err) {
    if (err instanceof Error && err.message.includes("immutable field '_id'")) throw immutableId();
    throw err;
  }
  if (keyOf(out._id) !== keyOf(doc._id)) throw immutableId();
  return { doc: out, modified: changed.length > 0 };
}

/** Seeds an upserted document from the query's equality conditions, as mongod does. */
export function upsertSeed(query: Document): Document {
  const seed: Document = {};
  const visit = (q: Document): void => {
    for (const [k, v] of Object.entries(q)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const c of v as unknown[]) if (isPlainObject(c)) visit(c);
        continue;
      }
      if (k.startsWith('$')) continue;
      if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if ('$eq' in v) setPath(seed, k, deepClone(v.$eq));
        continue;
      }
      setPath(seed, k, deepClone(v));
    }
  };
  visit(query);
  return seed;
}

/** Builds the document an upsert inserts: query equalities, then the update, then a generated _id. */
export function buildUpsert(
  query: Document,
  u: Document | Document[],
  arrayFilters?: Document[],
  variables?: Document,
): Document {
  let doc: Document;
  if (!Array.isArray(u) && !isOperatorUpdate(u)) {
    const seed = upsertSeed(query);
    doc = { ...u };
    if (doc._id === undefined && seed._id !== undefined) doc._id = seed._id as unknown;
  } else {
    doc = applyUpdate(upsertSeed(query), u, {
      query,
      arrayFilters,
      inserting: true,
      variables,
    }).doc;
  }
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : (_id as unknown), ...rest };
}
