import type { Document } from 'bson';

/** Error codes used by mongod that the driver and Mongoose interpret. */
export const ErrorCodes = {
  InternalError: 1,
  Unauthorized: 13,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  ExceededMemoryLimit: 146,
  CommandNotSupportedOnView: 166,
  NoSuchTransaction: 251,
  DuplicateKey: 11000,
  Location31254: 31254,
  Location40352: 40352,
  Location40414: 40414,
  Location40415: 40415,
  Location51024: 51024,
  DocumentValidationFailure: 121,
} as const;

const codeNames = new Map<number, string>(Object.entries(ErrorCodes).map(([k, v]) => [v, k]));

export function codeName(code: number): string {
  return codeNames.get(code) ?? 'UnknownError';
}

/** A command failure that becomes an `{ok: 0, errmsg, code, codeName}` reply. */
export class MongoCommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
  }

  toReply(): Document {
    return {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: codeName(this.code),
      ...this.extra,
    };
  }
}

export function badValue(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCodes.BadValue, message);
}

export function typeMismatch(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCodes.TypeMismatch, message);
}

/** Converts anything thrown by a handler (including mingo errors) into a reply document. */
export function errorReply(err: unknown): Document {
  if (err instanceof MongoCommandError) return err.toReply();
  const message = err instanceof Error ? err.message : String(err);
  return new MongoCommandError(ErrorCodes.BadValue, message).toReply();
}
