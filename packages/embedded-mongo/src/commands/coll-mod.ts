import type { Document } from 'bson';
import type { Collection } from '../engine/collection';
import { ErrorCodes, MongoCommandError } from '../errors';
import { collName, optionalDoc, type CommandContext, type HandlerTable } from './context';
import { keyOf } from '../engine/values';

/** The collection options collMod may change on an ordinary collection (MongoDB 7.0). */
const OPTION_FIELDS = new Set(['validator', 'validationLevel', 'validationAction']);
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

/** `index: {keyPattern | name, expireAfterSeconds}`: the TTL of an index changes in place. */
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
    if (k !== 'keyPattern' && k !== 'name' && k !== 'expireAfterSeconds')
      throw new MongoCommandError(
        ErrorCodes.InvalidOptions,
        `collMod index option '${k}' is not supported by the embedded server`,
      );
  }
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
  // Rebuilt rather than edited, so the journal replays it as a drop and a create.
  coll.dropIndex(idx.name);
  coll.createIndex({ ...idx.spec, expireAfterSeconds: secs });
}

export const collModCommands: HandlerTable = {
  collMod: (cmd, ctx) => {
    const name = collName(cmd, 'collMod');
    for (const k of Object.keys(cmd)) {
      if (!ENVELOPE.has(k) && k !== 'index' && !OPTION_FIELDS.has(k))
        throw new MongoCommandError(
          ErrorCodes.Location40415,
          `BSON field 'collMod.${k}' is an unknown field.`,
        );
    }
    const coll = existing(ctx, name);
    const reply: Document = {};
    const index = optionalDoc(cmd, 'index');
    if (index) modifyIndex(coll, index, reply);
    const changed = Object.keys(cmd).filter((k) => OPTION_FIELDS.has(k));
    if (changed.length > 0) {
      const options: Document = { ...coll.options };
      for (const k of changed) options[k] = cmd[k] as unknown;
      coll.options = options;
      ctx.engine.recordCollMod(ctx.db, name, options);
    }
    return { ...reply, ok: 1 };
  },
};
