import { promises as fsp } from 'fs';
import * as path from 'path';
import type { DeserializeOptions } from 'bson';
import { findNextValidFrame, readFrame } from './frame-scanner';
import { fsyncDir, journalFile, listDir, removeQuietly, snapshotFile } from './generations';
import type { JournalRecord } from './persistence.types';
import { decodePayload } from './record-codec';

export interface PersistenceLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoadResult {
  /** Generation new appends go to (newest journal or snapshot). */
  gen: number;
  /** Size of journal-<gen>.log after truncation; 0 if it does not exist yet. */
  journalSize: number;
  /** Bytes of journal replayed on top of the snapshot: the work compaction would save. */
  journalBytes: number;
  /** Size of the snapshot loaded (0 without one). */
  snapshotBytes: number;
}

type Apply = (record: JournalRecord) => void;

export async function loadDir(
  dir: string,
  apply: Apply,
  logger: PersistenceLogger,
  opts: DeserializeOptions,
): Promise<LoadResult> {
  await fsp.mkdir(dir, { recursive: true });
  const listing = await listDir(dir);
  // Leftovers of a compaction that crashed before its rename; never authoritative.
  await removeQuietly(dir, listing.temps);

  const base = await pickSnapshot(dir, listing.snapshots, logger);
  if (base !== null) applySnapshot(base.buf, apply, logger, opts);
  const baseGen = base?.gen ?? -1;

  // Superseded generations survive only if a crash hit between rename and cleanup.
  const obsolete = [
    ...listing.snapshots.filter((g) => g < baseGen).map(snapshotFile),
    ...listing.journals.filter((g) => g < baseGen).map(journalFile),
  ];
  if (obsolete.length > 0) {
    await removeQuietly(dir, obsolete);
    await fsyncDir(dir);
  }

  let journalBytes = 0;
  let journalSize = 0;
  const journals = listing.journals.filter((g) => g >= baseGen);
  for (const gen of journals) {
    journalSize = await replayJournal(dir, gen, apply, logger, opts);
    journalBytes += journalSize;
  }
  const lastJournal = journals.length > 0 ? journals[journals.length - 1] : -1;
  const gen = Math.max(baseGen, lastJournal, 0);
  if (gen !== lastJournal) journalSize = 0;
  logger.log(
    `journal: loaded ${base ? snapshotFile(base.gen) : 'no snapshot'} + ${journals.length} journal(s), ${journalBytes} journal bytes`,
  );
  return { gen, journalSize, journalBytes, snapshotBytes: base?.buf.length ?? 0 };
}

/** Newest snapshot that is intact end to end; damaged ones are renamed aside, never deleted. */
async function pickSnapshot(
  dir: string,
  gens: number[],
  logger: PersistenceLogger,
): Promise<{ gen: number; buf: Buffer } | null> {
  for (let i = gens.length - 1; i >= 0; i--) {
    const name = snapshotFile(gens[i]);
    const buf = await fsp.readFile(path.join(dir, name));
    const problem = checkSnapshot(buf);
    if (problem === null) return { gen: gens[i], buf };
    logger.error(
      `journal: snapshot ${name} is damaged (${problem}); moved aside, falling back to an older generation`,
    );
    await fsp.rename(path.join(dir, name), path.join(dir, `${name}.corrupt`));
  }
  if (gens.length > 0)
    logger.error('journal: no intact snapshot; replaying whatever journals remain');
  return null;
}

function checkSnapshot(buf: Buffer): string | null {
  let off = 0;
  let count = 0;
  while (off < buf.length) {
    const f = readFrame(buf, off);
    if (!f.ok) return `${f.reason} at byte ${off}`;
    if (f.next === buf.length) {
      const trailer = safeDecode(f.payload, {});
      if (trailer?.op !== '$end' || trailer.count !== count) return 'missing or wrong trailer';
      return null;
    }
    count++;
    off = f.next;
  }
  return 'missing trailer';
}

function applySnapshot(
  buf: Buffer,
  apply: Apply,
  logger: PersistenceLogger,
  opts: DeserializeOptions,
): void {
  let off = 0;
  for (;;) {
    const f = readFrame(buf, off);
    if (!f.ok || f.next === buf.length) return; // checked already; the last frame is the trailer
    // A crc-valid frame that is not a record needs a writer bug, not a crash; skip, don't die.
    const rec = safeDecode(f.payload, opts);
    if (rec === null || rec.op === '$end')
      logger.error(`journal: skipping undecodable snapshot record at byte ${off}`);
    else apply(rec);
    off = f.next;
  }
}

function safeDecode(
  payload: Buffer,
  opts: DeserializeOptions,
): ReturnType<typeof decodePayload> | null {
  try {
    return decodePayload(payload, opts);
  } catch {
    return null;
  }
}

/** Replays one journal and truncates it at the first bad record. Returns the good size. */
async function replayJournal(
  dir: string,
  gen: number,
  apply: Apply,
  logger: PersistenceLogger,
  opts: DeserializeOptions,
): Promise<number> {
  const name = journalFile(gen);
  const file = path.join(dir, name);
  const buf = await fsp.readFile(file);
  let off = 0;
  let reason: string | null = null;
  while (off < buf.length) {
    const f = readFrame(buf, off);
    if (!f.ok) {
      reason = f.reason;
      break;
    }
    let rec: ReturnType<typeof decodePayload>;
    try {
      rec = decodePayload(f.payload, opts);
    } catch (err) {
      reason = `undecodable record: ${(err as Error).message}`;
      break;
    }
    if (rec.op === '$end') {
      reason = 'snapshot trailer inside a journal';
      break;
    }
    apply(rec); // errors from the engine propagate: they are bugs, not disk damage
    off = f.next;
  }
  if (reason === null) return buf.length;

  const resync = findNextValidFrame(buf, off + 1);
  const dropped = buf.length - off;
  if (resync >= 0) {
    // Good frames after a bad one means acknowledged writes are being discarded; keep a copy.
    const aside = `${name}.corrupt-${off}`;
    await fsp.writeFile(path.join(dir, aside), buf.subarray(off));
    logger.error(
      `journal: ${name} corrupt at byte offset ${off} (${reason}); intact records follow at byte ${resync}. ` +
        `Truncating at ${off}, ${dropped} bytes discarded (saved to ${aside})`,
    );
  } else {
    logger.warn(
      `journal: ${name} has a torn tail at byte offset ${off} (${reason}); truncating ${dropped} bytes`,
    );
  }
  const h = await fsp.open(file, 'r+');
  try {
    await h.truncate(off);
    await h.datasync();
  } finally {
    await h.close();
  }
  return off;
}
