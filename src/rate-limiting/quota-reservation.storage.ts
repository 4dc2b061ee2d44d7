import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { LiveInstancesService } from './live-instances.service';
import { RateLimitRepository, type WindowRef } from './rate-limit.repository';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Why reservations:
 * the limit must hold across every instance sharing the database (the scale-out test: "the total
 * accepted stays within the limit"), and the token endpoint must not pay a database round trip
 * per request. So each instance reserves quota from the shared counter (atomic conditional `$inc`,
 * never above the limit) and admits requests from its local budget without waiting. The sum of
 * all reservations never exceeds the limit, so the instances together never over-admit. The
 * alternative — count locally and flush every N ms — is cheaper but over-admits by up to
 * (instances × flush interval × rate), which the test forbids.
 *
 * Why a fair share first: an instance's first reservation of a key in a window asks for
 * `floor(limit / (live instances + 1))` (LiveInstancesService counts them by heartbeat), so a key
 * whose traffic fits its share costs one reservation per window and instance, whatever the limit
 * (up to MAX_SHARE); an instance alone takes half the limit at once, the rest in chunks. Only an instance that outgrows its share goes back,
 * for chunks taken from what no one has reserved, starting at 1 and doubling up to 1% of the limit:
 * small, so that a busy instance does not take the shares of instances whose first request of the
 * key is still on its way (their reservation round trip may be slower than its requests).
 *
 * The price is fairness, not safety: quota an instance reserved but did not use in its window is
 * lost, so another instance that needs more than its share may refuse early (at worst, with all
 * traffic of a key on one of N instances, it admits its share plus what the others left unreserved).
 *
 * Refusals are cached until the window ends: once the shared counter is at the limit it cannot go
 * down within the window, so a flood of refused requests costs no database work.
 */
/**
 * A share never exceeds this: an instance that dies (or restarts) takes its unused reservations
 * with it for the rest of the window, so with a large limit a restarted instance alone would
 * otherwise find every key it served full. Past it, a hot key costs one round trip per 1,000.
 */
export const MAX_SHARE = 1_000;
/** Reservations beyond the fair share are capped at this fraction of the limit (at least 1). */
export const MAX_CHUNK_FRACTION = 0.01;
/** Local budgets are dropped (their unused quota is forfeited) beyond this many keys per window. */
export const MAX_TRACKED_KEYS = 50_000;

/**
 * The first reservation of a key by one of `instances` instances: at least 1, at most the limit
 * and MAX_SHARE. One share more than there are instances is kept back: an instance that has just
 * started is not yet in the others' count (they recount once per heartbeat), and without that
 * headroom the first instance to see a key would take the whole window from it.
 * Rounded down, so the shares of all instances fit in the limit together: an instance that comes
 * late still finds its whole share, and the remainder (fewer requests than instances) goes one by
 * one to whoever needs it.
 */
export const fairShare = (limit: number, instances: number): number =>
  Math.min(
    limit,
    MAX_SHARE,
    Math.max(1, Math.floor(limit / (Math.max(1, Math.floor(instances)) + 1))),
  );

interface Bucket {
  limit: number;
  /** Whether this instance has reserved for this key in this window (its share) yet. */
  reserved: boolean;
  available: number;
  nextChunk: number;
  exhausted: boolean;
  /** Shared counter as last seen, for the X-RateLimit-Remaining estimate. */
  seenCount: number;
  refill?: Promise<void>;
}

@Injectable()
export class QuotaReservationStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private windowStart = -1;
  private buckets = new Map<string, Bucket>();
  private lastFailureLog = 0;

  constructor(
    private readonly repository: RateLimitRepository,
    private readonly instances: LiveInstancesService,
  ) {}

  /** Replaceable in tests; the window arithmetic is all relative to it. */
  clock: () => number = Date.now;

  /** `ttl` is the window length in ms; counts are per fixed window aligned to the epoch. */
  async increment(key: string, ttl: number, rawLimit: number): Promise<StorageRecord> {
    const limit = Math.max(1, Math.floor(rawLimit));
    for (;;) {
      const now = this.clock();
      const start = Math.floor(now / ttl) * ttl;
      if (start !== this.windowStart) {
        // A new window: every local budget belongs to the old one.
        this.windowStart = start;
        this.buckets = new Map();
      }
      const secondsLeft = Math.max(1, Math.ceil((start + ttl - now) / 1000));
      const bucket = this.bucketFor(key, limit);
      if (bucket.available > 0) {
        bucket.available--;
        return this.record(bucket, secondsLeft, false);
      }
      if (bucket.exhausted) return this.record(bucket, secondsLeft, true);
      const window: WindowRef = {
        id: `${key}:${Math.floor(start / 1000)}`,
        start: new Date(start),
        expiresAt: new Date(start + ttl),
      };
      bucket.refill ??= this.refill(bucket, window).finally(() => (bucket.refill = undefined));
      // Concurrent callers share one reservation; whoever finds the budget empty again loops.
      await bucket.refill;
    }
  }

  private bucketFor(key: string, limit: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_KEYS) this.buckets = new Map();
      bucket = {
        limit,
        reserved: false,
        available: 0,
        nextChunk: 1,
        exhausted: false,
        seenCount: 0,
      };
      this.buckets.set(key, bucket);
    } else if (bucket.limit !== limit) {
      // The limit changed at runtime: a raised limit may have room again, a lowered one caps chunks.
      bucket.limit = limit;
      bucket.exhausted = false;
      bucket.nextChunk = 1;
    }
    return bucket;
  }

  private async refill(bucket: Bucket, window: WindowRef): Promise<void> {
    const share = fairShare(bucket.limit, this.instances.count);
    try {
      if (!bucket.reserved) {
        const { granted, count } = await this.repository.reserveFirst(window, share, bucket.limit);
        // Lost to contention (nothing granted, room left): the next attempt asks for the share again.
        bucket.reserved = granted > 0 || count >= bucket.limit;
        this.credit(bucket, granted, count);
        return;
      }
      const cap = Math.min(share, Math.max(1, Math.floor(bucket.limit * MAX_CHUNK_FRACTION)));
      const wanted = Math.min(bucket.nextChunk, cap);
      const { granted, count } = await this.repository.reserve(window, wanted, bucket.limit);
      this.credit(bucket, granted, count);
      if (granted > 0) bucket.nextChunk = Math.min(cap, wanted * 2);
    } catch (err) {
      // Fail open: without the database the token endpoint cannot work anyway, and refusing every
      // request would turn a database hiccup into a full outage. One request's worth is admitted.
      bucket.available += 1;
      if (this.clock() - this.lastFailureLog > 10_000) {
        this.lastFailureLog = this.clock();
        this.logger.warn(`rate-limit reservation failed, admitting: ${String(err)}`);
      }
    }
  }

  private credit(bucket: Bucket, granted: number, count: number): void {
    bucket.seenCount = count;
    // Only a full counter is final for the window; a reservation lost to contention is retried.
    if (granted === 0 && count >= bucket.limit) bucket.exhausted = true;
    bucket.available += granted;
  }

  private record(bucket: Bucket, secondsLeft: number, blocked: boolean): StorageRecord {
    const totalHits = blocked
      ? bucket.limit + 1
      : Math.min(bucket.limit, bucket.seenCount - bucket.available);
    return {
      totalHits,
      timeToExpire: secondsLeft,
      isBlocked: blocked,
      timeToBlockExpire: blocked ? secondsLeft : 0,
    };
  }
}
