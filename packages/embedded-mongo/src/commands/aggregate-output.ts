import type { Document } from 'bson';
import type { Collection } from '../engine/collection';
import { evaluateLet, newAggregator } from '../engine/query-context';
import { deepClone, keyOf } from '../engine/values';
import { ErrorCodes, MongoCommandError } from '../errors';
import type { CommandContext } from './context';

/*
 * $out and $merge write through the collection's normal write path (unique indexes, the memory
 * bound, the journal), not through mingo's in-memory arrays.
 */

function targetName(
  ctx: CommandContext,
  spec: unknown,
  stage: string,
): { db: string; coll: string } {
  if (typeof spec === 'string') return { db: ctx.db, coll: spec };
  const s = spec as Document | null;
  const into = stage === '$merge' ? (s?.into as unknown) : s;
  if (typeof into === 'string') return { db: ctx.db, coll: into };
  const d = into as Document | null;
  const coll: unknown = d?.coll;
  if (typeof coll !== 'string')
    throw new MongoCommandError(ErrorCodes.FailedToParse, `${stage} requires a target collection`);
  return { db: typeof d?.db === 'string' ? d.db : ctx.db, coll };
}

/** Replaces the target's documents (its indexes stay); on failure the old contents come back. */
export function runOut(ctx: CommandContext, spec: unknown, results: Document[]): void {
  const { db, coll } = targetName(ctx, spec, '$out');
  const target = ctx.engine.ensureCollection(db, coll);
  const old = [...target.docs.values()];
  for (const d of old) target.remove(d);
  const inserted: Document[] = [];
  try {
    for (const d of results) inserted.push(target.insert(d));
  } catch (err) {
    for (const d of inserted) target.remove(d);
    for (const d of old) target.insert(d);
    throw err;
  }
}

function matchOn(target: Collection, doc: Document, on: string[]): Document | undefined {
  const filter: Document = {};
  for (const f of on) {
    if (doc[f] === undefined)
      throw new MongoCommandError(
        51132,
        `$merge write error: 'on' field '${f}' cannot be missing, null or an array`,
      );
    filter[f] = doc[f] as unknown;
  }
  return on.length === 1 && on[0] === '_id'
    ? target.docs.get(keyOf(doc._id))
    : target.find(filter, undefined, 1)[0];
}

/**
 * `whenMatched: [pipeline]`: the pipeline runs on the matched target document, with `$$new`
 * (or the stage's own `let`, evaluated against the incoming document) bound to the incoming one.
 */
function mergePipeline(
  found: Document,
  doc: Document,
  pipeline: Document[],
  let_: unknown,
): Document {
  const vars = (let_ as Document | undefined) ?? { new: '$$ROOT' };
  const [out] = newAggregator(pipeline, { variables: evaluateLet(vars, doc) }).run<Document>([
    deepClone(found),
  ]);
  if (out._id !== undefined && keyOf(out._id) !== keyOf(found._id))
    throw new MongoCommandError(
      ErrorCodes.ImmutableField,
      '$merge failed to update the matching document, did you attempt to modify the _id or the shard key?',
    );
  return { _id: found._id as unknown, ...out };
}

export function runMerge(ctx: CommandContext, spec: unknown, results: Document[]): void {
  const { db, coll } = targetName(ctx, spec, '$merge');
  const s = (typeof spec === 'string' ? {} : spec) as Document;
  const on =
    s.on === undefined ? ['_id'] : Array.isArray(s.on) ? (s.on as string[]) : [s.on as string];
  const whenMatched = (s.whenMatched as unknown) ?? 'merge';
  const whenNotMatched = (s.whenNotMatched as unknown) ?? 'insert';
  const target = ctx.engine.ensureCollection(db, coll);
  for (const doc of results) {
    const found = matchOn(target, doc, on);
    if (!found) {
      if (whenNotMatched === 'discard') continue;
      if (whenNotMatched === 'fail')
        throw new MongoCommandError(
          13113,
          '$merge could not find a matching document in the target collection for at least one document in the source collection',
        );
      target.insert(doc);
      continue;
    }
    if (Array.isArray(whenMatched)) {
      const next = mergePipeline(found, doc, whenMatched as Document[], s.let);
      if (keyOf(next) !== keyOf(found)) target.replace(found, next);
      continue;
    }
    if (whenMatched === 'keepExisting') continue;
    if (whenMatched === 'fail') throw target.duplicateError(target.indexes.get('_id_')!, found);
    const { _id: _ignored, ...fields } = doc;
    const next =
      whenMatched === 'replace'
        ? { _id: found._id as unknown, ...fields }
        : { ...found, ...fields };
    if (keyOf(next) !== keyOf(found)) target.replace(found, next);
  }
}
