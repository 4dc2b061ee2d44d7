import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service';
import type { AuditEntry } from './audit-event-map';
import { AuditRepository } from './audit.repository';

export const BATCH_SIZE = 500;
export const MAX_BUFFERED = 50_000;
/** A batch that failed this many times in a row is dropped (and the loss logged). */
export const MAX_ATTEMPTS = 5;
const RETRY_DELAY_MS = 1_000;

/**
 * Buffers audit entries and writes them with one insertMany every few milliseconds (or every
 * BATCH_SIZE entries), so a token request never waits for an audit write.
 *
 * Durability trade-off: an entry is durable once its batch is acknowledged by the database, at
 * most ~AUDIT_FLUSH_INTERVAL_MS after the event. A crash (SIGKILL) inside that window loses the
 * entries still buffered, even though the HTTP response may already have been sent; a graceful
 * shutdown flushes everything. While the database is down, entries are kept and retried up to
 * MAX_BUFFERED entries; beyond that, new entries are dropped and the loss is logged.
 */
@Injectable()
export class AuditWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private buffer: AuditEntry[] = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private dropped = 0;
  private lastDropLog = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly repository: AuditRepository,
    config: AppConfig,
  ) {
    this.intervalMs = config.auditFlushIntervalMs;
  }

  /** Synchronous and cheap: called from event listeners on the request path. */
  write(entry: AuditEntry): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.noteDropped(1, 'buffer full');
      return;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= BATCH_SIZE) void this.flush();
    else this.schedule(this.intervalMs);
  }

  /**
   * Resolves once every entry written before the call is stored (or given up on). Tests and the
   * shutdown hook use it; flushes never overlap, so batches stay in order.
   */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  /** Before, not on, shutdown: the database connection closes in its own onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    if (this.buffer.length > 0)
      this.noteDropped(this.buffer.length, 'database unavailable at shutdown');
    this.buffer = [];
  }

  get pending(): number {
    return this.buffer.length;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    // Never keep a CLI run or a test process alive; shutdown flushes explicitly.
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, BATCH_SIZE);
      try {
        await this.repository.insertBatch(batch);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        if (this.failures >= MAX_ATTEMPTS) {
          this.failures = 0;
          this.noteDropped(batch.length, `insert failed ${MAX_ATTEMPTS} times: ${String(err)}`);
          continue;
        }
        // Back to the front, in order, and try again later: the database may be restarting.
        this.buffer.unshift(...batch);
        if (this.buffer.length > MAX_BUFFERED) {
          this.noteDropped(this.buffer.length - MAX_BUFFERED, 'buffer full');
          this.buffer.length = MAX_BUFFERED;
        }
        this.logger.warn(`audit write failed (attempt ${this.failures}), retrying: ${String(err)}`);
        this.schedule(RETRY_DELAY_MS);
        return;
      }
    }
  }

  private noteDropped(count: number, why: string): void {
    this.dropped += count;
    // Throttled: when the buffer is full every event would log otherwise.
    if (Date.now() - this.lastDropLog < 5_000) return;
    this.lastDropLog = Date.now();
    this.logger.error(`dropped audit entries (${this.dropped} so far): ${why}`);
  }
}
