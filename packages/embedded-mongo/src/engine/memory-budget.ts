import { getHeapStatistics } from 'node:v8';
import { ErrorCodes, MongoCommandError } from '../errors';

/**
 * Default bound: an eighth of this thread's V8 heap limit (512 MB under Node's default 4 GB).
 * Stored documents cost about six times their BSON size in heap once indexed (measured; see the
 * package README), so the data then fills about three quarters of the heap at most.
 */
export function defaultMaxDataMb(): number {
  return Math.max(16, Math.floor(getHeapStatistics().heap_size_limit / 8 / 1048576));
}

/**
 * The bound on data held in memory, counted as the BSON size of the stored documents (what
 * `dataSize` reports). Every engine structure is built from those documents, so the heap grows
 * with this figure; a refused write changes nothing, and the process never runs out of heap
 * because of stored data.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /**
   * Throws ExceededMemoryLimit (146), mongod's code for an operation refused by a configured
   * memory bound, so the driver reports a plain, non-retryable write error.
   */
  reserve(bytes: number, ns: string): void {
    if (bytes > 0 && this.used + bytes > this.limitBytes) {
      throw new MongoCommandError(
        ErrorCodes.ExceededMemoryLimit,
        `write to ${ns} refused: it would raise the data held in memory to ${this.used + bytes} ` +
          `bytes, over the embedded server's limit of ${this.limitBytes} bytes ` +
          `(${Math.round(this.limitBytes / 1048576)} MB, maxDataMb / --max-data-mb)`,
      );
    }
    this.used += bytes;
  }

  /** Accounts for data that must be held whatever the limit (journal replay at start-up). */
  force(bytes: number): void {
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
