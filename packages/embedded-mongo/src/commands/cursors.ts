import { Long, type Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';
import { cursorReply, optionalNumber, type HandlerTable } from './context';

export const cursorCommands: HandlerTable = {
  getMore: (cmd, ctx) => {
    if (typeof cmd.collection !== 'string')
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        "BSON field 'getMore.collection' is missing but a required field",
      );
    const ns = `${ctx.db}.${cmd.collection}`;
    const batch = ctx.cursors.next(cmd.getMore, ns, optionalNumber(cmd, 'batchSize'));
    return cursorReply(ns, batch.id, batch.docs, 'nextBatch');
  },

  killCursors: (cmd, ctx) => {
    if (!Array.isArray(cmd.cursors))
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        "BSON field 'killCursors.cursors' is missing but a required field",
      );
    const { killed, notFound } = ctx.cursors.kill(cmd.cursors as unknown[]);
    const reply: Document = {
      cursorsKilled: killed,
      cursorsNotFound: notFound,
      cursorsAlive: [] as Long[],
      cursorsUnknown: [] as Long[],
      ok: 1,
    };
    return reply;
  },
};
