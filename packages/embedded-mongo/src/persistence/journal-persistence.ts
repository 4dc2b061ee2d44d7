/**
 * Durability for the embedded engine: append-only journal with group commit, plus snapshots.
 *
 * - Generations (snapshot-G.bin + journal-G.log) instead of rewriting one journal in place:
 *   every compaction step is a create, an fsync or an atomic rename, so a crash between any
 *   two steps leaves either the old or the new generation complete, and load picks it.
 * - The engine decides when to compact, because only it can produce a consistent dump();
 *   we only measure (`journalBytes`, `shouldCompact()`) and nudge once per threshold
 *   crossing via `onCompactNeeded`, so compaction never runs behind the engine's back.
 * - compact(dump) cuts the journal synchronously, inside the call: anything appended after
 *   the call lands in the new journal. dump() is then read in time-bounded slices while
 *   appends go on, so it must reflect every record handed to append() before compact() was
 *   called (apply to memory before or when calling append), and may reflect later ones: a
 *   record may end up both in the snapshot and in the new journal, and replaying post-images
 *   again, in order, after the snapshot ends in the same state.
 * - A crash mid-compaction leaves the old generation (snapshot + journal), the new journal and
 *   a partial snapshot-*.tmp; load ignores the tmp and replays both journals in order.
 */
import { constants, promises as fsp } from 'fs';
import * as path from 'path';
import type { DeserializeOptions } from 'bson';
import { lockDataDir, type DataDirLock } from './data-dir-lock';
import { fsyncDir, journalFile, listDir, removeQuietly, snapshotFile } from './generations';
import { JournalWriter, type JournalTarget } from './journal-writer';
import { loadDir, type PersistenceLogger } from './loader';
import type { JournalRecord, Persistence } from './persistence.types';
import { DEFAULT_DESERIALIZE, encodeRecord } from './record-codec';
import { totalSize, writeSnapshot } from './snapshot-writer';

export interface JournalPersistenceOptions {
  logger?: PersistenceLogger;
  /**
   * Journal size after which `shouldCompact()` turns true and `onCompactNeeded` fires (or the
   * last snapshot's size, when larger).
   */
  compactAfterBytes?: number;
  /** Called (at most once per threshold crossing) after a durable append crossed the limit. */
  onCompactNeeded?: () => void;
  /** How replayed BSON is materialised; must match how the engine holds documents. */
  deserializeOptions?: DeserializeOptions;
}

const DEFAULT_COMPACT_AFTER = 64 * 1024 * 1024;

const consoleLogger: PersistenceLogger = {
  log: () => undefined,
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export class JournalPersistence implements Persistence {
  private readonly logger: PersistenceLogger;
  private readonly compactAfterBytes: number;
  private writer: JournalWriter | null = null;
  /** The journal new appends go to once any compaction in progress has opened it. */
  private target!: JournalTarget; // set by load(), together with writer
  private gen = 0;
  private bytesSinceSnapshot = 0;
  private snapshotBytes = 0;
  private compactSignalled = false;
  private loadStarted = false;
  private compacting: Promise<number> | null = null;
  private closing: Promise<void> | null = null;
  private lock: DataDirLock | null = null;

  constructor(
    readonly dataDir: string,
    private readonly options: JournalPersistenceOptions = {},
  ) {
    this.logger = options.logger ?? consoleLogger;
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER;
  }

  /** Journal bytes that a restart would replay on top of the snapshot. */
  get journalBytes(): number {
    return this.bytesSinceSnapshot;
  }

  get generation(): number {
    return this.gen;
  }

  shouldCompact(): boolean {
    return this.compacting === null && this.bytesSinceSnapshot >= this.compactThreshold;
  }

  /**
   * A compaction rewrites the whole state, so it waits until the journal is at least as large as
   * the last snapshot: its cost per journaled byte then stays the same however large the data.
   */
  private get compactThreshold(): number {
    return Math.max(this.compactAfterBytes, this.snapshotBytes);
  }

  async load(apply: (record: JournalRecord) => void): Promise<void> {
    if (this.closing !== null) throw new Error('JournalPersistence is closed');
    if (this.loadStarted) throw new Error('JournalPersistence.load() may only be called once');
    this.loadStarted = true;
    // Before anything is read: a directory in use by another process is never touched.
    this.lock = lockDataDir(this.dataDir);
    const opts = this.options.deserializeOptions ?? DEFAULT_DESERIALIZE;
    let handle: fsp.FileHandle;
    let res: Awaited<ReturnType<typeof loadDir>>;
    try {
      res = await loadDir(this.dataDir, apply, this.logger, opts);
      const file = path.join(this.dataDir, journalFile(res.gen));
      // O_CREAT without O_TRUNC/O_APPEND: the writer uses positioned writes from journalSize.
      handle = await fsp.open(file, constants.O_RDWR | constants.O_CREAT);
      await fsyncDir(this.dataDir);
    } catch (err) {
      this.releaseLock();
      throw err;
    }
    this.gen = res.gen;
    this.bytesSinceSnapshot = res.journalBytes;
    this.snapshotBytes = res.snapshotBytes;
    this.target = { handle, size: res.journalSize };
    this.writer = new JournalWriter(this.target, (bytes) => this.onDurable(bytes));
  }

  /** Records are framed synchronously, so their journal order is the order of append() calls. */
  async append(records: JournalRecord[]): Promise<void> {
    if (this.closing !== null) throw new Error('JournalPersistence is closed');
    if (this.writer === null)
      throw new Error('JournalPersistence.load() must complete before append()');
    if (records.length === 0) return;
    const frames = records.map(encodeRecord);
    return this.writer.enqueue(frames);
  }

  /** A call while a compaction runs joins it: that snapshot plus the journal already cover the state. */
  compact(dump: () => Iterable<JournalRecord>): Promise<number> {
    if (this.closing !== null) return Promise.reject(new Error('JournalPersistence is closed'));
    if (this.writer === null)
      return Promise.reject(new Error('JournalPersistence.load() must complete before compact()'));
    this.compacting ??= this.startCompaction(this.writer, dump).finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    // Its caller sees a compaction failure; here we only need the files to be quiet.
    await this.compacting?.catch(() => undefined);
    const writer = this.writer;
    try {
      if (writer === null) return;
      await writer.drain();
      await this.target.handle.close();
    } finally {
      this.releaseLock();
    }
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }

  private onDurable(bytes: number): void {
    this.bytesSinceSnapshot += bytes;
    const hook = this.options.onCompactNeeded;
    if (
      hook === undefined ||
      this.compactSignalled ||
      this.bytesSinceSnapshot < this.compactThreshold
    )
      return;
    this.compactSignalled = true;
    try {
      hook();
    } catch (err) {
      this.logger.error(`journal: onCompactNeeded hook threw: ${(err as Error).message}`);
    }
  }

  /**
   * Runs synchronously up to the first await: the journal is cut at the instant compact() is
   * called, so every later append lands in the new journal. The dump is read afterwards, in
   * slices, while appends go on; it only has to reflect every record appended before the cut.
   */
  private startCompaction(
    writer: JournalWriter,
    dump: () => Iterable<JournalRecord>,
  ): Promise<number> {
    const newGen = this.gen + 1;
    const oldTarget = this.target;
    const opened = this.openJournal(newGen);
    // If the new file cannot be opened, later appends simply continue in the old journal.
    const oldDrained = writer.cut(opened.catch(() => oldTarget));
    const bytesBefore = this.bytesSinceSnapshot;
    this.bytesSinceSnapshot = 0;
    this.compactSignalled = false;
    return this.finishCompaction(newGen, opened, oldTarget, oldDrained, dump, bytesBefore);
  }

  private async finishCompaction(
    newGen: number,
    opened: Promise<JournalTarget>,
    oldTarget: JournalTarget,
    oldDrained: Promise<void>,
    dump: () => Iterable<JournalRecord>,
    bytesBefore: number,
  ): Promise<number> {
    const started = Date.now();
    let newTarget: JournalTarget;
    try {
      newTarget = await opened;
    } catch (err) {
      this.bytesSinceSnapshot += bytesBefore; // still one journal; nothing was compacted
      throw err;
    }
    this.gen = newGen;
    this.target = newTarget;
    await oldDrained;
    await oldTarget.handle.close();
    // On failure the old generation stays authoritative alongside the new journal.
    const written = await writeSnapshot(this.dataDir, newGen, dump);
    this.snapshotBytes = written.bytes;

    const listing = await listDir(this.dataDir);
    const superseded = [
      ...listing.snapshots.filter((g) => g < newGen).map(snapshotFile),
      ...listing.journals.filter((g) => g < newGen).map(journalFile),
    ];
    const freed = await totalSize(this.dataDir, superseded);
    await removeQuietly(this.dataDir, superseded);
    await fsyncDir(this.dataDir);
    this.logger.log(
      `journal: compacted ${written.records} records into ${snapshotFile(newGen)} in ${Date.now() - started} ms`,
    );
    return Math.max(0, freed - written.bytes);
  }

  /** The directory entry must be durable before any acknowledgement depends on the file. */
  private async openJournal(gen: number): Promise<JournalTarget> {
    const handle = await fsp.open(path.join(this.dataDir, journalFile(gen)), 'w+');
    try {
      await fsyncDir(this.dataDir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return { handle, size: 0 };
  }
}
