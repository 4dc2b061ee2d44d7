import type { Document } from 'bson';
import { ErrorCodes, MongoCommandError, errorReply } from '../errors';
import { adminCommands } from './admin';
import { aggregateCommands } from './aggregate';
import { collModCommands } from './coll-mod';
import type { CommandContext, HandlerTable } from './context';
import { cursorCommands } from './cursors';
import { readCommands } from './crud-read';
import { writeCommands } from './crud-write';
import { findAndModifyCommands } from './find-and-modify';
import { handshakeCommands } from './handshake';
import { indexCommands } from './indexes';

const handlers: HandlerTable = {
  ...handshakeCommands,
  ...adminCommands,
  ...indexCommands,
  ...readCommands,
  ...writeCommands,
  ...findAndModifyCommands,
  ...aggregateCommands,
  ...collModCommands,
  ...cursorCommands,
};
handlers.findandmodify = handlers.findAndModify;
handlers.buildinfo = handlers.buildInfo;

export const WRITE_COMMANDS = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'create',
  'drop',
  'dropDatabase',
  'createIndexes',
  'dropIndexes',
  'collMod',
]);

export function commandName(cmd: Document): string {
  return Object.keys(cmd)[0] ?? '';
}

/** Runs one command to completion, synchronously; every failure becomes an `ok: 0` reply. */
export function runCommand(cmd: Document, ctx: CommandContext): Document {
  const name = commandName(cmd);
  try {
    // A standalone mongod refuses any transaction number; so do we, with the same error.
    if (
      cmd.txnNumber !== undefined ||
      cmd.startTransaction !== undefined ||
      cmd.autocommit !== undefined
    ) {
      throw new MongoCommandError(
        ErrorCodes.IllegalOperation,
        'Transaction numbers are only allowed on a replica set member or mongos',
      );
    }
    const handler = Object.prototype.hasOwnProperty.call(handlers, name)
      ? handlers[name]
      : undefined;
    if (!handler)
      throw new MongoCommandError(ErrorCodes.CommandNotFound, `no such command: '${name}'`);
    return handler(cmd, ctx);
  } catch (err) {
    return errorReply(err);
  }
}
