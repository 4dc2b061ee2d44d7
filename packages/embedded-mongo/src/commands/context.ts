import type { Document } from 'bson';
import type { Engine } from '../engine/engine';
import type { CursorRegistry } from '../engine/cursors';
import type { Collection } from '../engine/collection';
import { evaluateLet } from '../engine/query-context';
import { ErrorCodes, MongoCommandError } from '../errors';

export interface CommandContext {
  engine: Engine;
  cursors: CursorRegistry;
  db: string;
  connectionId: number;
  startedAt: number;
  remote: string;
  /** The BSON bytes of the documents of the command's document sequences (see wire/protocol). */
  rawSequences?: Map<string, Buffer[]>;
  /** Compacts the journal now (the `compact` command); resolves with the bytes freed on disk. */
  compact?: () => Promise<number>;
  /**
   * Set by a handler whose reply needs I/O after its synchronous part (only `compact`): the
   * server sends what this resolves with instead of the handler's return value.
   */
  deferred?: Promise<Document>;
}

/** Handlers are synchronous on purpose: a command's reads and writes can never interleave with another's. */
export type Handler = (cmd: Document, ctx: CommandContext) => Document;

export type HandlerTable = Record<string, Handler>;

/** The collection name a command targets (`{find: "users"}`), validated like mongod does. */
export function collName(cmd: Document, name: string): string {
  const v = cmd[name] as unknown;
  if (typeof v !== 'string') {
    throw new MongoCommandError(
      ErrorCodes.InvalidNamespace,
      `collection name has invalid type ${v === null ? 'null' : typeof v}`,
    );
  }
  if (v.length === 0)
    throw new MongoCommandError(
      ErrorCodes.InvalidNamespace,
      `Invalid namespace specified '${cmd.$db as string}.'`,
    );
  return v;
}

export function optionalDoc(cmd: Document, field: string): Document | undefined {
  const v = cmd[field] as unknown;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${field}' is the wrong type '${Array.isArray(v) ? 'array' : typeof v}', expected type 'object'`,
    );
  }
  return v;
}

export function optionalNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field] as unknown;
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : (v as { toNumber?: () => number }).toNumber?.();
  if (typeof n !== 'number' || Number.isNaN(n)) {
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double]'`,
    );
  }
  return n;
}

export function docArray(cmd: Document, field: string): Document[] {
  const v = cmd[field] as unknown;
  if (!Array.isArray(v))
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${field}' is the wrong type, expected type 'array'`,
    );
  for (const d of v) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      throw new MongoCommandError(
        ErrorCodes.TypeMismatch,
        `BSON field '${field}' contains an element that is not an object`,
      );
    }
  }
  return v as Document[];
}

/** The shape of one writeErrors entry, from a thrown command error. */
export function writeError(index: number, err: unknown): Document {
  if (err instanceof MongoCommandError)
    return { index, code: err.code, errmsg: err.message, ...err.extra };
  return {
    index,
    code: ErrorCodes.BadValue,
    errmsg: err instanceof Error ? err.message : String(err),
  };
}

export function cursorReply(
  ns: string,
  id: unknown,
  batch: Document[],
  key: 'firstBatch' | 'nextBatch',
): Document {
  return { cursor: { [key]: batch, id, ns }, ok: 1 };
}

export type { Collection };

/** The command's `let` variables (`$$name` in expressions), validated like mongod's parser. */
export function letVariables(cmd: Document): Document | undefined {
  const vars = optionalDoc(cmd, 'let');
  return vars && evaluateLet(vars);
}
