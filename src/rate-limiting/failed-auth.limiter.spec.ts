import type { AppConfig } from '../config/app-config.service';
import { InvalidClientError, RateLimitExceededError } from '../common/errors/oauth-errors';
import type { EventBus } from '../common/events';
import { FailedAuthLimiter } from './failed-auth.limiter';
import type { QuotaReservationStorage } from './quota-reservation.storage';
import { rateLimitKey } from './rate-limit.guard';

/** A shared counter with the storage's contract: blocked once the limit is reached. */
function fakeStorage(at = 1_700_000_041_000) {
  const counts = new Map<string, number>();
  return {
    counts,
    clock: () => at,
    increment: (key: string, _ttl: number, limit: number) => {
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, Math.min(count, limit));
      return Promise.resolve({
        totalHits: Math.min(count, limit),
        timeToExpire: 59,
        isBlocked: count > limit,
        timeToBlockExpire: count > limit ? 59 : 0,
      });
    },
  };
}

describe('FailedAuthLimiter', () => {
  const ALLOWANCE = 3;
  const meta = { ip: '192.0.2.1', requestId: 'r1' };
  let storage: ReturnType<typeof fakeStorage>;
  let emit: jest.Mock;
  let limiter: FailedAuthLimiter;
  const fail = () => Promise.reject(new InvalidClientError('client authentication failed'));
  const succeed = () => new Promise<string>((resolve) => setImmediate(() => resolve('ok')));

  beforeEach(() => {
    storage = fakeStorage();
    emit = jest.fn();
    limiter = new FailedAuthLimiter(
      storage as unknown as QuotaReservationStorage,
      { maxFailedAuthPerIpPerMinute: ALLOWANCE } as AppConfig,
      { emit } as unknown as EventBus,
    );
  });

  it('refuses an address whose allowance is spent, before verifying, with Retry-After and an event', async () => {
    for (let i = 0; i < ALLOWANCE; i++) {
      await expect(limiter.attempt(meta, `guess-${i}`, fail)).rejects.toThrow(InvalidClientError);
    }
    const verify = jest.fn(succeed);
    const refused = (await limiter
      .attempt(meta, 'real', verify)
      .catch((e: unknown) => e)) as RateLimitExceededError;
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect(refused.description).toBe(
      'Rate limit exceeded: at most 3 failed client authentications per minute from this IP; retry after 59 s',
    );
    expect(refused.headers).toEqual({ 'Retry-After': '59' });
    expect(verify).not.toHaveBeenCalled();
    expect(emit).toHaveBeenCalledWith('rate_limit.exceeded', {
      ip: '192.0.2.1',
      requestId: 'r1',
      request: meta,
      clientId: 'real',
      reason: 'more than 3 failed client authentications per minute from this IP',
    });
    // Another address is unaffected.
    await expect(limiter.attempt({ ip: '192.0.2.2' }, 'real', succeed)).resolves.toBe('ok');
  });

  it('does not count successes or other errors', async () => {
    for (let i = 0; i < 10; i++) await limiter.attempt(meta, 'c', succeed);
    await expect(
      limiter.attempt(meta, 'c', () => Promise.reject(new Error('db down'))),
    ).rejects.toThrow('db down');
    expect(storage.counts.size).toBe(0);
  });

  it('never has more verifications under way than the allowance left', async () => {
    let running = 0;
    let peak = 0;
    const slowFail = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      throw new InvalidClientError('client authentication failed');
    };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.attempt(meta, 'x', slowFail).catch((e: unknown) => (e as Error).name),
      ),
    );
    expect(peak).toBeLessThanOrEqual(ALLOWANCE);
    expect(outcomes.filter((n) => n === 'InvalidClientError')).toHaveLength(ALLOWANCE);
    expect(outcomes.filter((n) => n === 'RateLimitExceededError')).toHaveLength(10 - ALLOWANCE);
  });

  it('lets parallel successful verifications through, a few at a time', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => limiter.attempt(meta, 'c', succeed)),
    );
    expect(results).toEqual(Array.from({ length: 20 }, () => 'ok'));
  });

  it('starts afresh in the next window', async () => {
    let now = 1_700_000_041_000;
    storage.clock = () => now;
    for (let i = 0; i < ALLOWANCE; i++) await limiter.attempt(meta, 'g', fail).catch(() => 0);
    await expect(limiter.attempt(meta, 'g', succeed)).rejects.toThrow(RateLimitExceededError);
    now += 60_000;
    storage.counts.clear();
    await expect(limiter.attempt(meta, 'g', succeed)).resolves.toBe('ok');
  });
});

describe('rateLimitKey', () => {
  it('encodes the client so that a crafted id cannot collide with another key', () => {
    expect(rateLimitKey('a:b', '::1')).toBe('a%3Ab:::1');
    expect(rateLimitKey(undefined, '10.0.0.1')).toBe('-:10.0.0.1');
    expect(rateLimitKey('a\uD800b', '10.0.0.1')).toBe('a%EF%BF%BDb:10.0.0.1');
  });

  it('is the id itself when encodeURIComponent would leave it unchanged, and encoded otherwise', () => {
    for (const id of ['cl_AbC-09.x', "a!~*'()", 'a b', 'a%3A', 'é', 'a#b', 'a/b']) {
      expect(rateLimitKey(id, '10.0.0.1')).toBe(`${encodeURIComponent(id)}:10.0.0.1`);
    }
  });
});
