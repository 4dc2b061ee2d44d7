import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';

/**
 * How often an instance renews its heartbeat and re-reads how many instances are alive: often,
 * because until an instance sees a newcomer it reserves too large a share of each key it meets
 * (for the rest of that window), and two small queries a second cost the database nothing.
 */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** Missing two heartbeats in a row takes an instance out of the count. */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * How many instances share the database, for the fair share of a first reservation. Read with
 * the heartbeat, never per request: a stale count only moves quota between instances (a late
 * joiner may find an early one holding its share for the rest of the window); the shared
 * counter's conditional increment keeps the total exact whatever the count says.
 */
@Injectable()
export class LiveInstancesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private live = 1;
  private timer?: NodeJS.Timeout;
  private lastFailureLog = -Infinity;
  private beating = false;

  constructor(private readonly repository: RateLimitRepository) {}

  /** Replaceable in tests. */
  clock: () => number = Date.now;

  /** At least 1: this instance itself, even before its first heartbeat or without a database. */
  get count(): number {
    return this.live;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.repository.forgetInstance(this.id);
    } catch {
      // Its heartbeat expires on its own; the others recount within one interval after that.
    }
  }

  /** Renews this instance's heartbeat, then counts the live ones. Never throws. */
  async beat(): Promise<void> {
    // A database that hangs must not pile up one pending heartbeat per interval.
    if (this.beating) return;
    this.beating = true;
    const now = this.clock();
    try {
      await this.repository.beat(this.id, new Date(now + HEARTBEAT_TTL_MS));
      this.live = Math.max(1, await this.repository.countLiveInstances(new Date(now)));
    } catch (err) {
      // The last known count stays: it only sizes first reservations, never the limit itself.
      if (now - this.lastFailureLog > 10_000) {
        this.lastFailureLog = now;
        this.logger.warn(
          `rate-limit heartbeat failed, keeping ${this.live} instance(s): ${String(err)}`,
        );
      }
    } finally {
      this.beating = false;
    }
  }
}
