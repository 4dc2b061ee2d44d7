import type { Document } from 'bson';
import type { ScanStats } from '../engine/collection';
import { effectiveCollation } from '../engine/collation';
import { compileFilter } from '../engine/planner';
import { projector, sortDocs } from '../engine/shape';
import { keyOf, valuesAtPath } from '../engine/values';
import { ErrorCodes, MongoCommandError } from '../errors';
import {
  collName,
  cursorReply,
  letVariables,
  optionalDoc,
  optionalNumber,
  type CommandContext,
  type HandlerTable,
} from './context';

interface FindResult {
  ns: string;
  docs: Document[];
  stats: ScanStats;
}

/** Filter, sort, skip and limit; projection is applied lazily as batches are cut. */
function runFind(cmd: Document, ctx: CommandContext): FindResult {
  const name = collName(cmd, 'find');
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const sort = optionalDoc(cmd, 'sort');
  const skip = optionalNumber(cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
  if (skip < 0) throw new MongoCommandError(ErrorCodes.BadValue, 'skip value must be non-negative');
  const stats: ScanStats = { docsExamined: 0, keysExamined: 0 };
  const coll = ctx.engine.collection(ctx.db, name);
  const unsorted = !sort || Object.keys(sort).length === 0;
  const max = unsorted && limit > 0 ? skip + limit : Infinity;
  // Compiling validates operators, so a bad filter fails even on a missing collection, as in mongod.
  const variables = letVariables(cmd);
  const collation = effectiveCollation(cmd.collation, coll?.defaultCollation);
  if (!coll) compileFilter(filter, variables, collation);
  let docs = coll ? coll.find(filter, stats, max, variables, collation) : [];
  docs = sortDocs(docs, sort, collation);
  if (skip > 0 || limit > 0) docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
  return { ns: `${ctx.db}.${name}`, docs, stats };
}

export const readCommands: HandlerTable = {
  find: (cmd, ctx) => {
    const { ns, docs } = runFind(cmd, ctx);
    const project = projector(optionalDoc(cmd, 'projection'), optionalDoc(cmd, 'filter'));
    const singleBatch = cmd.singleBatch === true || (optionalNumber(cmd, 'limit') ?? 0) < 0;
    const batch = ctx.cursors.start(
      ns,
      docs,
      optionalNumber(cmd, 'batchSize'),
      singleBatch,
      project,
    );
    return cursorReply(ns, batch.id, batch.docs, 'firstBatch');
  },

  count: (cmd, ctx) => {
    const coll = ctx.engine.collection(ctx.db, collName(cmd, 'count'));
    const query = optionalDoc(cmd, 'query');
    const collation = effectiveCollation(cmd.collation, coll?.defaultCollation);
    let n = coll
      ? (query && Object.keys(query).length) || coll.viewSource
        ? coll.find(query, undefined, Infinity, undefined, collation).length
        : coll.docs.size
      : 0;
    const skip = optionalNumber(cmd, 'skip') ?? 0;
    const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
    n = Math.max(0, n - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  },

  distinct: (cmd, ctx) => {
    const coll = ctx.engine.collection(ctx.db, collName(cmd, 'distinct'));
    if (typeof cmd.key !== 'string')
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        "BSON field 'distinct.key' is missing or not a string",
      );
    const collation = effectiveCollation(cmd.collation, coll?.defaultCollation);
    const seen = new Map<string, unknown>();
    const query = optionalDoc(cmd, 'query');
    for (const d of coll ? coll.find(query, undefined, Infinity, undefined, collation) : []) {
      for (const v of valuesAtPath(d, cmd.key)) {
        const k = keyOf(v, collation);
        if (v !== undefined && !seen.has(k)) seen.set(k, v);
      }
    }
    return {
      values: sortDocs(
        [...seen.values()].map((v) => ({ v })),
        { v: 1 },
        collation,
      ).map((x) => x.v as unknown),
      ok: 1,
    };
  },

  // Only find is explained; enough for tools and tests to see which index was used and what was scanned.
  explain: (cmd, ctx) => {
    const inner = optionalDoc(cmd, 'explain');
    if (!inner || Object.keys(inner)[0] !== 'find')
      throw new MongoCommandError(
        ErrorCodes.IllegalOperation,
        'explain is only supported for find',
      );
    const { ns, docs, stats } = runFind({ ...inner, $db: ctx.db }, ctx);
    const stage = stats.index
      ? { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: stats.index } }
      : { stage: 'COLLSCAN' };
    return {
      queryPlanner: { namespace: ns, winningPlan: stage, rejectedPlans: [] },
      executionStats: {
        executionSuccess: true,
        nReturned: docs.length,
        executionTimeMillis: 0,
        totalKeysExamined: stats.keysExamined,
        totalDocsExamined: stats.docsExamined,
      },
      ok: 1,
    };
  },
};
