import type { FileHandle } from 'fs/promises';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Group commit: at most one write+fdatasync round is in flight; frames enqueued meanwhile
 * are coalesced into the next round, so N concurrent writers cost ~1 fsync instead of N.
 * Positioned writes (not O_APPEND) let us roll a failed round back with ftruncate.
 */
export class JournalWriter {
  private queue: Buffer[] = [];
  private queueBytes = 0;
  private waiters: Waiter[] = [];
  private running: Promise<void> | null = null;
  /** The single write+fsync round in flight; it captured its file handle when it started. */
  private round: Promise<Error | null> | null = null;
  /** Set when a failed round could not be rolled back: the file tail is unknown, so stop. */
  private poisoned: Error | null = null;

  constructor(
    private handle: FileHandle,
    /** Byte offset of the end of the last durable frame. */
    private size: number,
    private readonly onDurable: (bytes: number) => void,
  ) {}

  enqueue(frames: Buffer[]): Promise<void> {
    if (this.poisoned !== null) return Promise.reject(this.poisoned);
    return new Promise<void>((resolve, reject) => {
      for (const f of frames) {
        this.queue.push(f);
        this.queueBytes += f.length;
      }
      this.waiters.push({ resolve, reject });
      this.running ??= this.run();
    });
  }

  /**
   * Points later rounds at a new file. Synchronous on purpose: compaction relies on "every
   * frame enqueued before this call lands in the old file or the new one, in order" without
   * an await gap. Resolves once the old handle has no round in flight and may be closed.
   */
  switchTo(handle: FileHandle, size: number): Promise<void> {
    // Wait for the round, not for `running`: under steady load the loop never goes idle.
    const inFlight = this.round ?? Promise.resolve();
    this.handle = handle;
    this.size = size;
    return inFlight.then(() => undefined);
  }

  /** Resolves when everything enqueued so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  get currentHandle(): FileHandle {
    return this.handle;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const frames = this.queue;
        const bytes = this.queueBytes;
        const waiters = this.waiters;
        this.queue = [];
        this.queueBytes = 0;
        this.waiters = [];
        this.round = this.writeRound(frames, bytes);
        const err = await this.round;
        if (err === null) for (const w of waiters) w.resolve();
        else for (const w of waiters) w.reject(err);
      }
    } finally {
      this.running = null;
      this.round = null;
    }
  }

  private async writeRound(frames: Buffer[], bytes: number): Promise<Error | null> {
    if (this.poisoned !== null) return this.poisoned;
    const handle = this.handle;
    const start = this.size;
    try {
      const data = frames.length === 1 ? frames[0] : Buffer.concat(frames, bytes);
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await handle.write(data, off, data.length - off, start + off);
        off += bytesWritten;
      }
      await handle.datasync();
    } catch (caught) {
      const err = caught instanceof Error ? caught : new Error(String(caught));
      await this.rollback(handle, start, err);
      return err;
    }
    // A concurrent switchTo() may have replaced the handle; only account for the live file.
    if (this.handle === handle) {
      this.size = start + bytes;
      this.onDurable(bytes);
    }
    return null;
  }

  private async rollback(handle: FileHandle, size: number, cause: Error): Promise<void> {
    try {
      await handle.truncate(size);
      await handle.datasync();
    } catch {
      this.poisoned = cause;
      for (const w of this.waiters) w.reject(cause);
      this.waiters = [];
      this.queue = [];
      this.queueBytes = 0;
    }
  }
}
