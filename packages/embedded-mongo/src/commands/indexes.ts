import type { Document } from 'bson';
import type { IndexSpec } from '../persistence/persistence.types';
import { ErrorCodes, MongoCommandError } from '../errors';
import { parseCollation, type Collation } from '../engine/collation';
import { keyOf } from '../engine/values';
import { collName, cursorReply, docArray, type HandlerTable } from './context';

/** `collectionDefault`: an index without its own collation takes the collection's (as in mongod). */
function normaliseSpec(raw: Document, collectionDefault?: Collation): IndexSpec {
  const key = raw.key as unknown;
  if (typeof key !== 'object' || key === null || Object.keys(key).length === 0) {
    throw new MongoCommandError(
      ErrorCodes.FailedToParse,
      "The 'key' field must be a non-empty object",
    );
  }
  const normKey: IndexSpec['key'] = {};
  for (const [f, dir] of Object.entries(key as Document)) {
    const d = typeof dir === 'number' ? dir : (dir as { valueOf(): unknown }).valueOf();
    normKey[f] = typeof d === 'string' ? d : (d as number) < 0 ? -1 : 1;
  }
  const name =
    typeof raw.name === 'string'
      ? raw.name
      : Object.entries(normKey)
          .map(([f, d]) => `${f}_${d}`)
          .join('_');
  const spec: IndexSpec = { name, key: normKey };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.hidden === true) spec.hidden = true;
  if (raw.partialFilterExpression)
    spec.partialFilterExpression = raw.partialFilterExpression as Document;
  if (raw.expireAfterSeconds !== undefined)
    spec.expireAfterSeconds = Number(raw.expireAfterSeconds);
  const own = parseCollation(raw.collation, 'createIndexes.indexes');
  const collation = own === undefined ? collectionDefault : (own ?? undefined);
  if (collation) spec.collation = collation.spec;
  return spec;
}

const collationKey = (spec: IndexSpec): string => keyOf(spec.collation);

function sameSpec(a: IndexSpec, b: IndexSpec): boolean {
  return keyOf(a) === keyOf(b);
}

export function describeIndex(spec: IndexSpec): Document {
  const out: Document = { v: 2, key: spec.key, name: spec.name };
  if (spec.unique) out.unique = true;
  if (spec.sparse) out.sparse = true;
  if (spec.hidden) out.hidden = true;
  if (spec.partialFilterExpression) out.partialFilterExpression = spec.partialFilterExpression;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  if (spec.collation) out.collation = spec.collation;
  return out;
}

export const indexCommands: HandlerTable = {
  createIndexes: (cmd, ctx) => {
    const name = collName(cmd, 'createIndexes');
    const existing = ctx.engine.collection(ctx.db, name);
    const specs = docArray(cmd, 'indexes').map((raw) =>
      normaliseSpec(raw, existing?.defaultCollation),
    );
    const existed = existing !== undefined;
    const coll = ctx.engine.ensureCollection(ctx.db, name);
    const before = coll.indexes.size;
    for (const spec of specs) {
      const byName = coll.indexes.get(spec.name);
      if (byName) {
        if (sameSpec(byName.spec, spec)) continue;
        const code =
          keyOf(byName.spec.key) === keyOf(spec.key)
            ? ErrorCodes.IndexOptionsConflict
            : ErrorCodes.IndexKeySpecsConflict;
        throw new MongoCommandError(
          code,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(describeIndex(spec))}, existing index: ${JSON.stringify(describeIndex(byName.spec))}`,
        );
      }
      // Indexes on the same key may coexist when their collations differ.
      const byKey = [...coll.indexes.values()].find(
        (i) => keyOf(i.spec.key) === keyOf(spec.key) && collationKey(i.spec) === collationKey(spec),
      );
      if (byKey) {
        const { name: _a, ...x } = byKey.spec;
        const { name: _b, ...y } = spec;
        if (keyOf(x) === keyOf(y)) continue;
        throw new MongoCommandError(
          ErrorCodes.IndexOptionsConflict,
          `Index already exists with a different name: ${byKey.name}`,
        );
      }
      coll.createIndex(spec);
    }
    const after = coll.indexes.size;
    const reply: Document = {
      numIndexesBefore: before,
      numIndexesAfter: after,
      createdCollectionAutomatically: !existed,
      ok: 1,
    };
    if (before === after) reply.note = 'all indexes already exist';
    return reply;
  },

  listIndexes: (cmd, ctx) => {
    const name = collName(cmd, 'listIndexes');
    const coll = ctx.engine.collection(ctx.db, name);
    if (!coll)
      throw new MongoCommandError(
        ErrorCodes.NamespaceNotFound,
        `ns does not exist: ${ctx.db}.${name}`,
      );
    const clustered = coll.options.clusteredIndex as Document | undefined;
    const docs = [...coll.indexes.values()].map((i) =>
      // mongod lists the clustered index, under its name, in place of the _id index.
      clustered && i.name === '_id_'
        ? { v: 2, key: { _id: 1 }, name: clustered.name as string, unique: true, clustered: true }
        : describeIndex(i.spec),
    );
    const ns = `${ctx.db}.${name}`;
    const batch = ctx.cursors.start(
      ns,
      docs,
      (cmd.cursor as Document | undefined)?.batchSize as number | undefined,
      false,
    );
    return cursorReply(ns, batch.id, batch.docs, 'firstBatch');
  },

  dropIndexes: (cmd, ctx) => {
    const name = collName(cmd, 'dropIndexes');
    const coll = ctx.engine.collection(ctx.db, name);
    if (!coll)
      throw new MongoCommandError(ErrorCodes.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
    const was = coll.indexes.size;
    const target = cmd.index as unknown;
    let names: string[];
    if (target === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
    else if (typeof target === 'string') names = [target];
    else if (Array.isArray(target)) names = target.map(String);
    else if (typeof target === 'object' && target !== null) {
      const found = [...coll.indexes.values()].find((i) => keyOf(i.spec.key) === keyOf(target));
      if (!found)
        throw new MongoCommandError(
          ErrorCodes.IndexNotFound,
          `can't find index with key: ${JSON.stringify(target)}`,
        );
      names = [found.name];
    } else
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        "BSON field 'dropIndexes.index' is the wrong type",
      );
    for (const n of names) {
      if (n === '_id_')
        throw new MongoCommandError(ErrorCodes.InvalidOptions, 'cannot drop _id index');
      if (!coll.indexes.has(n))
        throw new MongoCommandError(ErrorCodes.IndexNotFound, `index not found with name [${n}]`);
    }
    for (const n of names) coll.dropIndex(n);
    return { nIndexesWas: was, ok: 1 };
  },
};
