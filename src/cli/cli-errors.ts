import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  OAuthError,
} from '../common/errors/oauth-errors';

/** Exit codes, documented in `--help`: scripts branch on them. */
export const EXIT = {
  ok: 0,
  /** Bad usage or invalid input (unknown option, missing value, validation). */
  usage: 1,
  notFound: 2,
  conflict: 3,
  /** Anything else: database unreachable, unexpected failure. */
  failure: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** commander's own errors (usage, --help) carry their exit code and have already printed themselves. */
interface CommanderLikeError {
  code: string;
  exitCode: number;
}

const isCommanderError = (err: unknown): err is CommanderLikeError =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { code?: unknown }).code === 'string' &&
  (err as { code: string }).code.startsWith('commander.') &&
  typeof (err as { exitCode?: unknown }).exitCode === 'number';

export function exitCodeFor(err: unknown): { code: number; message?: string } {
  if (isCommanderError(err)) return { code: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof InvalidRequestError) return { code: EXIT.usage, message: err.description };
  if (err instanceof NotFoundError) return { code: EXIT.notFound, message: err.description };
  if (err instanceof ConflictError) return { code: EXIT.conflict, message: err.description };
  if (err instanceof OAuthError) return { code: EXIT.failure, message: err.description };
  return { code: EXIT.failure, message: err instanceof Error ? err.message : String(err) };
}
