import { describeStartupFailure } from './startup-failure';
import { wantsPretty } from './logger-params';

const HINT = '(rerun with LOG_LEVEL=debug for the stack)';

describe('describeStartupFailure', () => {
  it('prints an error with a readable message as `oauth2-m2m: <message>`', () => {
    const lock = new Error('data directory /var/lib/x is in use by another process (pid 42)');
    expect(describeStartupFailure(lock)).toBe(
      'oauth2-m2m: data directory /var/lib/x is in use by another process (pid 42)',
    );
  });

  it('folds a multi-line configuration error into one line', () => {
    const err = new Error(
      'Invalid configuration:\n  - PORT="x": must be an integer\n  - LOG_LEVEL="y": bad',
    );
    expect(describeStartupFailure(err)).toBe(
      'oauth2-m2m: Invalid configuration: PORT="x": must be an integer; LOG_LEVEL="y": bad',
    );
  });

  it('keeps the message of an error subclass that carries a code', () => {
    const err = Object.assign(new (class LockError extends Error {})('held by pid 7'), {
      code: 'ELOCKED',
    });
    expect(describeStartupFailure(err)).toBe('oauth2-m2m: held by pid 7');
  });

  it('names a programming error and hints at the stack, without printing it', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'x')");
    const line = describeStartupFailure(err);
    expect(line).toBe(
      `oauth2-m2m: start-up failed unexpectedly: TypeError: Cannot read properties of undefined (reading 'x') ${HINT}`,
    );
    expect(line).not.toContain('\n');
  });

  it('gives a thrown non-error one line too', () => {
    expect(describeStartupFailure('boom')).toBe(
      `oauth2-m2m: start-up failed unexpectedly: boom ${HINT}`,
    );
  });

  it('appends the stack only when asked (LOG_LEVEL=debug)', () => {
    const err = new TypeError('bad');
    const [line, ...stack] = describeStartupFailure(err, { stack: true }).split('\n');
    expect(line).toBe(`oauth2-m2m: start-up failed unexpectedly: TypeError: bad ${HINT}`);
    expect(stack.join('\n')).toBe(err.stack);
  });
});

describe('wantsPretty', () => {
  it.each([
    ['auto', true, true],
    ['auto', false, false],
    ['json', true, false],
    ['pretty', false, true],
  ] as const)('LOG_FORMAT=%s on a terminal=%s → pretty=%s', (format, isTTY, pretty) => {
    expect(wantsPretty(format, isTTY)).toBe(pretty);
  });
});
