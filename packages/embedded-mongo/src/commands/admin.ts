import { Query } from 'mingo';
import type { Document } from 'bson';
import { parseCollation } from '../engine/collation';
import { MINGO_OPTIONS } from '../engine/planner';
import { ErrorCodes, MongoCommandError } from '../errors';
import {
  collName,
  cursorReply,
  optionalDoc,
  type CommandContext,
  type HandlerTable,
} from './context';

function dbSize(ctx: CommandContext, db: string): number {
  let size = 0;
  for (const c of ctx.engine.dbs.get(db)?.values() ?? []) size += c.dataSize;
  return size;
}

function isClusteredOnId(v: unknown): v is Document {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Document;
  const key = d.key as Document | undefined;
  return (
    d.unique === true && key !== undefined && Object.keys(key).length === 1 && Number(key._id) === 1
  );
}

export const adminCommands: HandlerTable = {
  listDatabases: (cmd, ctx) => {
    let databases = [...ctx.engine.dbs.keys()].map((name) => {
      const sizeOnDisk = cmd.nameOnly ? 0 : dbSize(ctx, name);
      return cmd.nameOnly ? { name } : { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    });
    const filter = optionalDoc(cmd, 'filter');
    if (filter)
      databases = new Query(filter, MINGO_OPTIONS).find(databases).all() as typeof databases;
    const totalSize = databases.reduce(
      (a, d) => a + ((d as { sizeOnDisk?: number }).sizeOnDisk ?? 0),
      0,
    );
    return cmd.nameOnly
      ? { databases, ok: 1 }
      : { databases, totalSize, totalSizeMb: Math.round(totalSize / 1048576), ok: 1 };
  },

  dropDatabase: (_cmd, ctx) => {
    ctx.engine.dropDatabase(ctx.db);
    return { dropped: ctx.db, ok: 1 };
  },

  // mongod 7 answers ok when the collection already exists with the same options.
  create: (cmd, ctx) => {
    const name = collName(cmd, 'create');
    const {
      create: _c,
      $db: _d,
      lsid: _l,
      writeConcern: _w,
      $readPreference: _r,
      ...options
    } = cmd;
    const clustered = options.clusteredIndex as unknown;
    if (clustered !== undefined) {
      if (!isClusteredOnId(clustered))
        throw new MongoCommandError(
          ErrorCodes.InvalidOptions,
          'The clusteredIndex option requires key: {_id: 1} and unique: true',
        );
      // Stored (and listed) in the shape mongod reports it.
      options.clusteredIndex = {
        v: 2,
        key: { _id: 1 },
        name: typeof clustered.name === 'string' ? clustered.name : '_id_',
        unique: true,
      };
    }
    // Stored (and listed) as the full collation document; `simple` is no collation at all.
    const collation = parseCollation(options.collation, 'create');
    if (collation) options.collation = collation.spec;
    else delete options.collation;
    ctx.engine.ensureCollection(ctx.db, name, options);
    return { ok: 1 };
  },

  // Since 7.0 dropping a missing collection succeeds.
  drop: (cmd, ctx) => {
    const name = collName(cmd, 'drop');
    const coll = ctx.engine.collection(ctx.db, name);
    const nIndexesWas = coll?.indexes.size ?? 0;
    ctx.engine.dropCollection(ctx.db, name);
    return coll ? { nIndexesWas, ns: `${ctx.db}.${name}`, ok: 1 } : { ok: 1 };
  },

  listCollections: (cmd, ctx) => {
    const colls = [...(ctx.engine.dbs.get(ctx.db)?.values() ?? [])];
    let infos: Document[] = colls.map((c) =>
      cmd.nameOnly
        ? { name: c.name, type: c.viewSource ? 'view' : 'collection' }
        : c.viewSource
          ? { name: c.name, type: 'view', options: c.options, info: { readOnly: true } }
          : {
              name: c.name,
              type: 'collection',
              options: c.options,
              info: { readOnly: false },
              // A clustered collection has no separate _id index to report.
              ...(!c.options.clusteredIndex && {
                idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
              }),
            },
    );
    const filter = optionalDoc(cmd, 'filter');
    if (filter) infos = new Query(filter, MINGO_OPTIONS).find(infos).all() as Document[];
    const batch = ctx.cursors.start(
      `${ctx.db}.$cmd.listCollections`,
      infos,
      (cmd.cursor as Document | undefined)?.batchSize as number | undefined,
      false,
    );
    return cursorReply(`${ctx.db}.$cmd.listCollections`, batch.id, batch.docs, 'firstBatch');
  },

  /*
   * mongod rewrites one collection's files; here all data lives in one journal, so any
   * collection's compact writes one snapshot of everything and starts a fresh journal. The
   * answer has mongod's shape; bytesFreed is what the removed journal and snapshot files held
   * beyond the new snapshot.
   */
  compact: (cmd, ctx) => {
    const name = collName(cmd, 'compact');
    const c = ctx.engine.collection(ctx.db, name);
    if (!c) throw new MongoCommandError(ErrorCodes.NamespaceNotFound, 'collection does not exist');
    if (c.viewSource)
      throw new MongoCommandError(
        ErrorCodes.CommandNotSupportedOnView,
        `Namespace ${ctx.db}.${name} is a view, not a collection`,
      );
    const run = ctx.compact;
    if (run) ctx.deferred = run().then((bytesFreed) => ({ bytesFreed, ok: 1 }));
    return { bytesFreed: 0, ok: 1 };
  },

  dbStats: (_cmd, ctx) => {
    const colls = [...(ctx.engine.dbs.get(ctx.db)?.values() ?? [])];
    const objects = colls.reduce((a, c) => a + c.docs.size, 0);
    const dataSize = dbSize(ctx, ctx.db);
    return {
      db: ctx.db,
      collections: colls.length,
      views: 0,
      objects,
      dataSize,
      storageSize: dataSize,
      indexes: colls.reduce((a, c) => a + c.indexes.size, 0),
      ok: 1,
    };
  },

  collStats: (cmd, ctx) => {
    const c = ctx.engine.collection(ctx.db, collName(cmd, 'collStats'));
    const size = c?.dataSize ?? 0;
    return {
      ns: `${ctx.db}.${cmd.collStats as string}`,
      count: c?.docs.size ?? 0,
      size,
      storageSize: size,
      nindexes: c?.indexes.size ?? 0,
      ok: 1,
    };
  },
};
