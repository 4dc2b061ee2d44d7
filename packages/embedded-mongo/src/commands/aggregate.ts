import { ProcessingMode } from 'mingo';
import { Long, type Document } from 'bson';
import { effectiveCollation, type Collation } from '../engine/collation';
import { newAggregator } from '../engine/query-context';
import { runMerge, runOut } from './aggregate-output';
import { ErrorCodes, MongoCommandError } from '../errors';
import {
  cursorReply,
  letVariables,
  optionalDoc,
  type CommandContext,
  type HandlerTable,
} from './context';

/** Stages that build new objects rather than editing their input, so stored documents need no copy. */
const NON_MUTATING = new Set([
  '$match',
  '$group',
  '$sort',
  '$skip',
  '$limit',
  '$count',
  '$project',
  '$unwind',
  '$sortByCount',
]);
const UNSUPPORTED = new Set([
  '$changeStream',
  '$currentOp',
  '$collStats',
  '$indexStats',
  '$listSessions',
]);

function source(
  ctx: CommandContext,
  coll: string,
  match: Document | undefined,
  variables?: Document,
  collation?: Collation,
): Document[] {
  const c = ctx.engine.collection(ctx.db, coll);
  return c ? c.find(match, undefined, Infinity, variables, collation) : [];
}

export const aggregateCommands: HandlerTable = {
  aggregate: (cmd, ctx) => {
    const pipeline = cmd.pipeline as unknown;
    if (!Array.isArray(pipeline))
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        "'pipeline' option must be specified as an array",
      );
    const cursor = optionalDoc(cmd, 'cursor');
    if (!cursor && cmd.explain !== true) {
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        "The 'cursor' option is required, except for aggregate with the explain argument",
      );
    }
    let stages = pipeline as Document[];
    stages.forEach((s, i) => {
      const op = Object.keys(s)[0];
      if (UNSUPPORTED.has(op))
        throw new MongoCommandError(
          ErrorCodes.IllegalOperation,
          `${op} is not supported by the embedded server`,
        );
      if ((op === '$out' || op === '$merge') && i !== stages.length - 1)
        throw new MongoCommandError(40601, `${op} can only be the final stage in the pipeline`);
    });
    // Database-level aggregate (`aggregate: 1`) needs a stage that makes its own documents.
    const dbLevel = cmd.aggregate === 1;
    if (typeof cmd.aggregate !== 'string' && !dbLevel)
      throw new MongoCommandError(
        ErrorCodes.InvalidNamespace,
        'collection name has invalid type ' + typeof cmd.aggregate,
      );
    if (dbLevel && Object.keys(stages[0] ?? {})[0] !== '$documents')
      throw new MongoCommandError(
        ErrorCodes.InvalidNamespace,
        `{aggregate: 1} is not valid for '${Object.keys(stages[0] ?? {})[0] ?? ''}'; a collection is required.`,
      );
    const last = stages[stages.length - 1];
    const output = last && ('$out' in last || '$merge' in last) ? last : undefined;
    if (output) stages = stages.slice(0, -1);
    // A leading $match goes through the planner so it can use indexes.
    const lead = stages[0]?.$match as Document | undefined;
    const variables = letVariables(cmd);
    const base = dbLevel ? undefined : ctx.engine.collection(ctx.db, cmd.aggregate as string);
    const collation = effectiveCollation(cmd.collation, base?.defaultCollation);
    const input = dbLevel ? [] : source(ctx, cmd.aggregate as string, lead, variables, collation);
    const rest = lead ? stages.slice(1) : stages;
    const mutating = rest.some((s) => !NON_MUTATING.has(Object.keys(s)[0]));
    const results = rest.length
      ? newAggregator(
          rest,
          {
            processingMode: mutating ? ProcessingMode.CLONE_INPUT : ProcessingMode.CLONE_OFF,
            ...(variables && { variables }),
            collectionResolver: (name: string) => source(ctx, name, undefined),
          },
          collation,
        ).run<Document>(input)
      : input;
    if (output) {
      if ('$out' in output) runOut(ctx, output.$out, results);
      else runMerge(ctx, output.$merge, results);
      const outNs = `${ctx.db}.${dbLevel ? '$cmd.aggregate' : (cmd.aggregate as string)}`;
      return cursorReply(outNs, Long.ZERO, [], 'firstBatch');
    }
    const ns = dbLevel ? `${ctx.db}.$cmd.aggregate` : `${ctx.db}.${cmd.aggregate as string}`;
    const batch = ctx.cursors.start(ns, results, cursor?.batchSize as number | undefined, false);
    return cursorReply(ns, batch.id, batch.docs, 'firstBatch');
  },
};
