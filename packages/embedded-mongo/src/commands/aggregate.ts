import { Aggregator, ProcessingMode } from 'mingo';
import type { Document } from 'bson';
import { MINGO_OPTIONS } from '../engine/planner';
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
  '$out',
  '$merge',
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
): Document[] {
  const c = ctx.engine.collection(ctx.db, coll);
  return c ? c.find(match, undefined, Infinity, variables) : [];
}

export const aggregateCommands: HandlerTable = {
  aggregate: (cmd, ctx) => {
    if (typeof cmd.aggregate !== 'string') {
      throw new MongoCommandError(
        ErrorCodes.InvalidNamespace,
        'aggregate on a database (aggregate: 1) is not supported',
      );
    }
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
    const stages = pipeline as Document[];
    for (const s of stages) {
      const op = Object.keys(s)[0];
      if (UNSUPPORTED.has(op))
        throw new MongoCommandError(
          ErrorCodes.IllegalOperation,
          `${op} is not supported by the embedded server`,
        );
    }
    // A leading $match goes through the planner so it can use indexes.
    const lead = stages[0]?.$match as Document | undefined;
    const variables = letVariables(cmd);
    const input = source(ctx, cmd.aggregate, lead, variables);
    const rest = lead ? stages.slice(1) : stages;
    const mutating = rest.some((s) => !NON_MUTATING.has(Object.keys(s)[0]));
    const results = rest.length
      ? new Aggregator(rest, {
          ...MINGO_OPTIONS,
          processingMode: mutating ? ProcessingMode.CLONE_INPUT : ProcessingMode.CLONE_OFF,
          ...(variables && { variables }),
          collectionResolver: (name: string) => source(ctx, name, undefined),
        }).run<Document>(input)
      : input;
    const ns = `${ctx.db}.${cmd.aggregate}`;
    const batch = ctx.cursors.start(ns, results, cursor?.batchSize as number | undefined, false);
    return cursorReply(ns, batch.id, batch.docs, 'firstBatch');
  },
};
