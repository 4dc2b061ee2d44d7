import type { Document } from 'bson';
import type { Collection } from '../engine/collection';
import type { IndexSpec } from '../persistence/persistence.types';
import { ErrorCodes, MongoCommandError } from '../errors';
import { collName, optionalDoc, type CommandContext, type HandlerTable } from './context';
import { keyOf } from '../engine/values';

/** The collection options collMod may change on an ordinary collection (MongoDB 7.0). */
const OPTION_FIELDS = new Set(['validator', 'validationLevel', 'validationAction']);
/** ... and on a view: its definition. */
const VIEW_FIELDS = new Set(['viewOn', 'pipeline']);
/** Command envelope fields the driver adds. */
const ENVELOPE = new Set(['collMod', '$db', 'lsid', 'writeConcern', '$readPreference', 'comment']);

function existing(ctx: CommandContext, name: string): Collection {
  const coll = ctx.engine.collection(ctx.db, name);
  if (!coll)
    throw new MongoCommandError(
      ErrorCodes.NamespaceNotFound,
      `ns does not exist: ${ctx.db}.${name}`,
    );
  return coll;
}

/** `index: {keyPattern | name, expireAfterSeconds | hidden}`: an index's TTL or visibility. */
function modifyIndex(coll: Collection, spec: Document, reply: Document): void {
  const keyPattern = optionalDoc(spec, 'keyPattern');
  const name = typeof spec.name === 'string' ? spec.name : undefined;
  if ((keyPattern === undefined) === (name === undefined))
    throw new MongoCommandError(
      ErrorCodes.InvalidOptions,
      'must specify either index name or key pattern',
    );
  const idx = [...coll.indexes.values()].find((i) =>
    name !== undefined ? i.name === name : keyOf(i.spec.key) === keyOf(keyPattern),
  );
  if (!idx)
    throw new MongoCommandError(
      ErrorCodes.IndexNotFound,
      `cannot find index ${name ?? JSON.stringify(keyPattern)} for ns ${coll.ns}`,
    );
  for (const k of Object.keys(spec)) {
    if (k !== 'keyPattern' && k !== 'name' && k !== 'expireAfterSeconds' && k !== 'hidden')
      throw new MongoCommandError(
        ErrorCodes.InvalidOptions,
        `collMod index option '${k}' is not supported by the embedded server`,
      );
  }
  if (spec.hidden !== undefined) modifyHidden(coll, idx.spec, spec.hidden, reply);
  if (spec.expireAfterSeconds === undefined) return;
  const secs = Number(spec.expireAfterSeconds);
  if (!Number.isInteger(secs) || secs < 0)
    throw new MongoCommandError(
      ErrorCodes.InvalidOptions,
      `expireAfterSeconds must be a non-negative integer, got ${String(spec.expireAfterSeconds)}`,
    );
  if (idx.spec.expireAfterSeconds === undefined)
    throw new MongoCommandError(
      ErrorCodes.InvalidOptions,
      `no expireAfterSeconds field to update for index ${idx.name}`,
    );
  reply.expireAfterSeconds_old = idx.spec.expireAfterSeconds;
  reply.expireAfterSeconds_new = secs;
  if (secs === idx.spec.expireAfterSeconds) return;
  rebuild(coll, { ...coll.indexes.get(idx.name)!.spec, expireAfterSeconds: secs });
}

/** Rebuilt rather than edited, so the journal replays it as a drop and a create. */
function rebuild(coll: Collection, spec: IndexSpec): void {
  coll.dropIndex(spec.name);
  coll.createIndex(spec);
}

/** A hidden index is maintained (and still unique) but the planner never picks it. */
function modifyHidden(coll: Collection, spec: IndexSpec, hidden: unknown, reply: Document): void {
  if (typeof hidden !== 'boolean')
    throw new MongoCommandError(ErrorCodes.TypeMismatch, "'hidden' option must be a boolean");
  if (spec.name === '_id_')
    throw new MongoCommandError(ErrorCodes.BadValue, "can't hide _id index");
  const was = spec.hidden === true;
  reply.hidden_old = was;
  reply.hidden_new = hidden;
  if (was === hidden) return;
  const { hidden: _old, ...rest } = spec;
  rebuild(coll, hidden ? { ...rest, hidden: true } : rest);
}

export const collModCommands: HandlerTable = {
  collMod: (cmd, ctx) => {
    const name = collName(cmd, 'collMod');
    for (const k of Object.keys(cmd)) {
      if (!ENVELOPE.has(k) && k !== 'index' && !OPTION_FIELDS.has(k) && !VIEW_FIELDS.has(k))
        throw new MongoCommandError(
          ErrorCodes.Location40415,
          `BSON field 'collMod.${k}' is an unknown field.`,
        );
    }
    const coll = existing(ctx, name);
    const reply: Document = {};
    const index = optionalDoc(cmd, 'index');
    if (index) modifyIndex(coll, index, reply);
    const allowed = coll.viewSource ? VIEW_FIELDS : OPTION_FIELDS;
    for (const k of Object.keys(cmd))
      if ((OPTION_FIELDS.has(k) || VIEW_FIELDS.has(k)) && !allowed.has(k))
        throw new MongoCommandError(
          ErrorCodes.InvalidOptions,
          `option not supported on a ${coll.viewSource ? 'view' : 'collection'}: ${k}`,
        );
    if (cmd.pipeline !== undefined && !Array.isArray(cmd.pipeline))
      throw new MongoCommandError(ErrorCodes.TypeMismatch, "'pipeline' must be an array");
    const changed = Object.keys(cmd).filter((k) => allowed.has(k));
    if (changed.length > 0) {
      const options: Document = { ...coll.options };
      for (const k of changed) options[k] = cmd[k] as unknown;
      coll.options = options;
      ctx.engine.recordCollMod(ctx.db, name, options);
    }
    return { ...reply, ok: 1 };
  },
};
