import { Logger } from '@nestjs/common';
import type { LiveInstancesService } from './live-instances.service';
import type { Reservation, WindowRef } from './rate-limit.repository';
import { RateLimitRepository } from './rate-limit.repository';
import { fairShare, QuotaReservationStorage } from './quota-reservation.storage';

/** An in-memory stand-in with the repository's contract: atomic, never above the limit. */
class FakeSharedCounter {
  readonly counts = new Map<string, number>();
  calls = 0;
  fail = false;
  /** Reservations still to lose to other instances' concurrent increments (nothing granted). */
  contended = 0;

  ensureWindow(): Promise<void> {
    return this.fail ? Promise.reject(new Error('db down')) : Promise.resolve();
  }

  /** Wanted amounts, in call order, so tests can check what was asked for. */
  readonly asked: number[] = [];

  reserveFirst(window: WindowRef, wanted: number, limit: number): Promise<Reservation> {
    return this.reserve(window, wanted, limit);
  }

  reserve(window: WindowRef, wanted: number, limit: number): Promise<Reservation> {
    this.calls++;
    this.asked.push(wanted);
    if (this.fail) return Promise.reject(new Error('db down'));
    const count = this.counts.get(window.id) ?? 0;
    if (this.contended > 0) {
      this.contended--;
      return Promise.resolve({ granted: 0, count });
    }
    const granted = Math.max(0, Math.min(wanted, limit - count));
    this.counts.set(window.id, count + granted);
    // Resolve on a later turn, like a network round trip, so callers interleave.
    return new Promise((resolve) =>
      setImmediate(() => resolve({ granted, count: count + granted })),
    );
  }
}

const WINDOW = 60_000;
const T0 = 1_700_000_040_000; // a window boundary

function storageOver(
  shared: FakeSharedCounter,
  at = T0 + 1_000,
  instances = 1,
): QuotaReservationStorage {
  const live = { count: instances } as LiveInstancesService;
  const storage = new QuotaReservationStorage(shared as unknown as RateLimitRepository, live);
  storage.clock = () => at;
  return storage;
}

async function fire(storage: QuotaReservationStorage, n: number, limit: number, key = 'c:1.2.3.4') {
  const records = await Promise.all(
    Array.from({ length: n }, () => storage.increment(key, WINDOW, limit)),
  );
  return { admitted: records.filter((r) => !r.isBlocked).length, records };
}

describe('QuotaReservationStorage', () => {
  it('admits exactly the limit and refuses the rest with the seconds left in the window', async () => {
    const shared = new FakeSharedCounter();
    const { admitted, records } = await fire(storageOver(shared), 100, 60);
    expect(admitted).toBe(60);
    const refused = records.find((r) => r.isBlocked)!;
    expect(refused.timeToBlockExpire).toBe(59);
    expect(shared.counts.get('c:1.2.3.4:1700000040')).toBe(60);
  });

  it('never over-admits across several instances sharing one counter', async () => {
    const shared = new FakeSharedCounter();
    const instances = [storageOver(shared), storageOver(shared), storageOver(shared)];
    const results = await Promise.all(instances.map((s) => fire(s, 500, 1_000)));
    const total = results.reduce((sum, r) => sum + r.admitted, 0);
    expect(total).toBeLessThanOrEqual(1_000);
    expect(shared.counts.get('c:1.2.3.4:1700000040')).toBeLessThanOrEqual(1_000);
  });

  it('sizes a first reservation as the fair share: floor(limit / (instances + 1)), at least 1, at most the limit', () => {
    // One share is kept back for an instance that has started but is not counted yet.
    expect(fairShare(60, 1)).toBe(30);
    expect(fairShare(60, 2)).toBe(20);
    expect(fairShare(60, 7)).toBe(7);
    expect(fairShare(5, 2)).toBe(1);
    expect(fairShare(20, 3)).toBe(5);
    expect(fairShare(2, 5)).toBe(1);
    expect(fairShare(1, 1)).toBe(1);
    expect(fairShare(3_000, 2)).toBe(1_000);
    // Capped, so that a dead instance cannot take a large limit with it for the rest of the window.
    expect(fairShare(1_000_000, 3)).toBe(1_000);
    // A count not read yet (0) or nonsensical counts as this instance alone.
    expect(fairShare(60, 0)).toBe(30);
  });

  it('costs one reservation per key and window for traffic within its share, whatever the limit', async () => {
    for (const limit of [10, 60, 3_000]) {
      const shared = new FakeSharedCounter();
      const storage = storageOver(shared, T0 + 1_000, 3);
      const share = fairShare(limit, 3);
      const { admitted } = await fire(storage, share, limit);
      expect(admitted).toBe(share);
      expect(shared.asked).toEqual([share]);
    }
  });

  it('takes half the limit in one reservation when it is the only instance, the rest one by one', async () => {
    const shared = new FakeSharedCounter();
    const { admitted } = await fire(storageOver(shared), 100, 60);
    expect(admitted).toBe(60);
    // Its share, then the headroom kept for an instance not counted yet, then one refused
    // reservation that marks the window full.
    expect(shared.asked).toEqual([30, ...Array<number>(30).fill(1), 1]);
  });

  it('lets an instance outgrow its share from what no one reserved, in chunks doubling up to 1% of the limit', async () => {
    const shared = new FakeSharedCounter();
    const a = storageOver(shared, T0 + 1_000, 2);
    const b = storageOver(shared, T0 + 1_000, 2);
    const first = await fire(a, 600, 1_000);
    expect(first.admitted).toBe(600);
    expect(shared.asked).toEqual([333, 1, 2, 4, 8, ...Array<number>(26).fill(10)]);
    // b finds only what a left unreserved: the price of a share (a holds 8 unused requests).
    const second = await fire(b, 600, 1_000);
    expect(second.admitted).toBe(392);
    expect(shared.counts.get('c:1.2.3.4:1700000040')).toBe(1_000);
  });

  it('goes back one request at a time beyond the share of a small limit, so none is parked', async () => {
    const shared = new FakeSharedCounter();
    const a = storageOver(shared, T0 + 1_000, 2);
    const b = storageOver(shared, T0 + 1_000, 2);
    expect((await fire(a, 7, 10)).admitted).toBe(7);
    expect(shared.asked).toEqual([3, 1, 1, 1, 1]);
    expect((await fire(b, 7, 10)).admitted).toBe(3);
  });

  it('gives a late instance its whole share: the shares fit in the limit together', async () => {
    const shared = new FakeSharedCounter();
    const [a, b, c] = [1, 2, 3].map(() => storageOver(shared, T0 + 1_000, 3));
    // 5 + 5 + 5 reserved first; the last instance's 6th and 7th requests take two of the 5 left.
    expect((await fire(a, 5, 20)).admitted).toBe(5);
    expect((await fire(b, 5, 20)).admitted).toBe(5);
    expect((await fire(c, 7, 20)).admitted).toBe(7);
    expect(shared.asked).toEqual([5, 5, 5, 1, 1]);
  });

  it('splits a small limit exactly between instances whose traffic fits their shares', async () => {
    const shared = new FakeSharedCounter();
    const a = storageOver(shared, T0 + 1_000, 2);
    const b = storageOver(shared, T0 + 1_000, 2);
    const [first, second] = await Promise.all([fire(a, 8, 10), fire(b, 8, 10)]);
    expect(first.admitted + second.admitted).toBe(10);
    expect(shared.asked.slice(0, 2)).toEqual([3, 3]);
  });

  it('reserves growing chunks for a hot key: far fewer round trips than requests', async () => {
    const shared = new FakeSharedCounter();
    const storage = storageOver(shared);
    let admitted = 0;
    for (let i = 0; i < 20; i++) admitted += (await fire(storage, 500, 1_000_000)).admitted;
    expect(admitted).toBe(10_000);
    expect(shared.calls).toBeLessThan(100);
  });

  it('caches a refusal until the window ends, then starts a fresh window', async () => {
    const shared = new FakeSharedCounter();
    let now = T0 + 1_000;
    const storage = storageOver(shared);
    storage.clock = () => now;
    await fire(storage, 5, 5);
    const callsWhenFull = shared.calls;
    expect((await fire(storage, 50, 5)).admitted).toBe(0);
    expect(shared.calls).toBe(callsWhenFull + 1);
    now = T0 + WINDOW;
    expect((await fire(storage, 5, 5)).admitted).toBe(5);
    expect(shared.counts.get('c:1.2.3.4:1700000100')).toBe(5);
  });

  it('keeps separate counters per key', async () => {
    const shared = new FakeSharedCounter();
    const storage = storageOver(shared);
    expect((await fire(storage, 3, 2, 'a:1.1.1.1')).admitted).toBe(2);
    expect((await fire(storage, 3, 2, 'b:1.1.1.1')).admitted).toBe(2);
  });

  it('finds room again when the limit is raised at runtime', async () => {
    const shared = new FakeSharedCounter();
    const storage = storageOver(shared);
    expect((await fire(storage, 4, 2)).admitted).toBe(2);
    expect((await fire(storage, 4, 4)).admitted).toBe(2);
  });

  it('retries a reservation lost to contention instead of refusing for the rest of the window', async () => {
    const shared = new FakeSharedCounter();
    shared.contended = 2;
    const { admitted } = await fire(storageOver(shared, T0 + 1_000, 2), 5, 10);
    expect(admitted).toBe(5);
    // The share each time: a lost first reservation is still the first.
    expect(shared.asked).toEqual([3, 3, 3, 1, 1]);
  });

  it('fails open when the database is unreachable', async () => {
    const shared = new FakeSharedCounter();
    shared.fail = true;
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { admitted } = await fire(storageOver(shared), 3, 1);
    expect(admitted).toBe(3);
  });
});
