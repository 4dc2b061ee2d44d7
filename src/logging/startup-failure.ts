/** The name start-up failures are printed under, like a command-line tool's `prog: message`. */
export const PROGRAM = 'oauth2-m2m';

/** Programming errors: their message alone rarely tells an operator what to do. */
const UNEXPECTED = new Set([
  'TypeError',
  'ReferenceError',
  'SyntaxError',
  'RangeError',
  'AssertionError',
]);
const SERVER_SELECTION = new Set(['MongooseServerSelectionError', 'MongoServerSelectionError']);

export interface StartupFailureContext {
  /** Print the stack after the line (LOG_LEVEL=debug or trace). */
  stack?: boolean;
  /** MONGODB_CONNECT_TIMEOUT_MS, named in the unreachable-database line. */
  connectTimeoutMs?: number;
}

interface ListenError extends Error {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
}

const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join('; ')
    .replace(/:;/g, ':');

/** The readable sentence for the failures an operator causes and can fix; undefined otherwise. */
function explain(err: ListenError, ctx: StartupFailureContext): string | undefined {
  if (err.syscall === 'listen' && typeof err.code === 'string') {
    const where = `${String(err.address)}:${String(err.port)}`;
    if (err.code === 'EADDRINUSE')
      return `cannot listen on ${where}: the port is already in use (set PORT)`;
    if (err.code === 'EACCES')
      return `cannot listen on ${where}: permission denied (set PORT above 1023)`;
    if (err.code === 'EADDRNOTAVAIL')
      return `cannot listen on ${where}: no such local address (set HOST)`;
  }
  if (SERVER_SELECTION.has(err.name)) {
    const within = ctx.connectTimeoutMs ? ` within ${ctx.connectTimeoutMs} ms` : '';
    return `cannot reach the database at MONGODB_URI${within}: ${oneLine(err.message)} (MONGODB_CONNECT_TIMEOUT_MS sets the wait)`;
  }
  if (err.constructor === Error || typeof err.code === 'string') return oneLine(err.message);
  return undefined;
}

/**
 * What main.ts prints when start-up fails: always one line `oauth2-m2m: <message>`, never a stack
 * unless asked. Errors thrown with a readable message (configuration, a key that does not
 * decrypt, a data directory held by another process, system errors with a code) are printed as
 * they are; programming errors and non-errors get a generic line and the hint to see the stack.
 */
export function describeStartupFailure(err: unknown, ctx: StartupFailureContext = {}): string {
  const readable =
    err instanceof Error && !UNEXPECTED.has(err.name) ? explain(err, ctx) : undefined;
  const summary =
    err instanceof Error ? `${err.name}: ${oneLine(err.message)}` : oneLine(String(err));
  const line = readable
    ? `${PROGRAM}: ${readable}`
    : `${PROGRAM}: start-up failed unexpectedly: ${summary} (rerun with LOG_LEVEL=debug for the stack)`;
  const stack = ctx.stack && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return line + stack;
}
