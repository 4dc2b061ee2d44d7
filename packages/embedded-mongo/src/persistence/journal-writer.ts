import type { FileHandle } from 'fs/promises';

/** An open journal file and the end offset of its last durable frame. */
export interface JournalTarget {
  handle: FileHandle;
  size: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Frames bound for one target; only the last batch in the list still accepts frames. */
interface Batch {
  target: Promise<JournalTarget>;
  epoch: number;
  frames: Buffer[];
  bytes: number;
  waiters: Waiter[];
  onDone: Array<() => void>;
}

/**
 * Group commit: at most one write+fdatasync round is in flight; frames enqueued meanwhile
 * are coalesced into the next round, so N concurrent writers cost ~1 fsync instead of N.
 * Positioned writes (not O_APPEND) let us roll a failed round back with ftruncate.
 */
export class JournalWriter {
  private batches: Batch[];
  private epoch = 0;
  private running: Promise<void> | null = null;
  /** Set when a failed round could not be rolled back: the file tail is unknown, so stop. */
  private poisoned: Error | null = null;

  constructor(
    target: JournalTarget,
    private readonly onDurable: (bytes: number) => void,
  ) {
    this.batches = [this.newBatch(Promise.resolve(target))];
  }

  enqueue(frames: Buffer[]): Promise<void> {
    if (this.poisoned !== null) return Promise.reject(this.poisoned);
    const batch = this.batches[this.batches.length - 1];
    return new Promise<void>((resolve, reject) => {
      for (const f of frames) {
        batch.frames.push(f);
        batch.bytes += f.length;
      }
      batch.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /**
   * Frames enqueued before this call go to the current file, later ones to `next` (which
   * may still be opening). Synchronous so the caller can take its dump in the same tick
   * and get an exact cut. Resolves once the previous file has nothing left to write.
   */
  cut(next: Promise<JournalTarget>): Promise<void> {
    const closing = this.batches[this.batches.length - 1];
    const drained = new Promise<void>((resolve) => closing.onDone.push(resolve));
    this.epoch++;
    this.batches.push(this.newBatch(next));
    this.kick();
    return drained;
  }

  /** Resolves when everything enqueued so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private kick(): void {
    if (this.running !== null) return;
    // Cleared in a callback, never inline: run() can finish synchronously (nothing to
    // write), and an inline reset would be undone by this assignment, pinning drain().
    this.running = this.run().finally(() => {
      this.running = null;
      // Frames enqueued after run() saw an empty queue but before this callback.
      if (this.batches.length > 1 || this.batches[0].frames.length > 0) this.kick();
    });
  }

  private newBatch(target: Promise<JournalTarget>): Batch {
    return { target, epoch: this.epoch, frames: [], bytes: 0, waiters: [], onDone: [] };
  }

  private async run(): Promise<void> {
    for (;;) {
      const batch = this.batches[0];
      if (this.batches.length === 1) {
        if (batch.frames.length === 0) return;
        this.batches[0] = this.newBatch(batch.target); // keep accepting while we write
      } else {
        this.batches.shift();
      }
      if (batch.frames.length > 0) {
        const err = await this.writeRound(batch);
        if (err === null) for (const w of batch.waiters) w.resolve();
        else for (const w of batch.waiters) w.reject(err);
      }
      for (const done of batch.onDone) done();
    }
  }

  private async writeRound(batch: Batch): Promise<Error | null> {
    if (this.poisoned !== null) return this.poisoned;
    let target: JournalTarget | null = null;
    try {
      target = await batch.target;
      const data =
        batch.frames.length === 1 ? batch.frames[0] : Buffer.concat(batch.frames, batch.bytes);
      for (let off = 0; off < data.length;) {
        off += (await target.handle.write(data, off, data.length - off, target.size + off))
          .bytesWritten;
      }
      await target.handle.datasync();
    } catch (caught) {
      const err = caught instanceof Error ? caught : new Error(String(caught));
      if (target !== null) await this.rollback(target, err);
      return err;
    }
    target.size += batch.bytes;
    // Rounds still draining into the pre-compaction file do not count against the new one.
    if (batch.epoch === this.epoch) this.onDurable(batch.bytes);
    return null;
  }

  private async rollback(target: JournalTarget, cause: Error): Promise<void> {
    try {
      await target.handle.truncate(target.size);
      await target.handle.datasync();
    } catch {
      this.poisoned = cause;
      // Keep the batches themselves: their onDone callbacks still have to fire.
      for (const batch of this.batches) {
        for (const w of batch.waiters) w.reject(cause);
        batch.waiters = [];
        batch.frames = [];
        batch.bytes = 0;
      }
    }
  }
}
