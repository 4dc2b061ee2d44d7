import { promises as fsp } from 'fs';
import * as path from 'path';

/**
 * Generation G = snapshot-G.bin (state when journal G was started) + journal-G.log.
 * A snapshot file only ever appears via rename after fsync, so its presence means complete;
 * a crash mid-compaction leaves a *.tmp plus the previous generation, which still loads.
 */
const SNAPSHOT_RE = /^snapshot-(\d+)\.bin$/;
const JOURNAL_RE = /^journal-(\d+)\.log$/;
const TMP_RE = /\.tmp$/;

const pad = (gen: number): string => String(gen).padStart(10, '0');
export const snapshotFile = (gen: number): string => `snapshot-${pad(gen)}.bin`;
export const journalFile = (gen: number): string => `journal-${pad(gen)}.log`;

export interface DirListing {
  snapshots: number[]; // ascending
  journals: number[]; // ascending
  temps: string[];
}

export async function listDir(dir: string): Promise<DirListing> {
  const out: DirListing = { snapshots: [], journals: [], temps: [] };
  for (const name of await fsp.readdir(dir)) {
    const s = SNAPSHOT_RE.exec(name);
    const j = JOURNAL_RE.exec(name);
    if (s) out.snapshots.push(Number(s[1]));
    else if (j) out.journals.push(Number(j[1]));
    else if (TMP_RE.test(name)) out.temps.push(name);
  }
  out.snapshots.sort((a, b) => a - b);
  out.journals.sort((a, b) => a - b);
  return out;
}

/** Makes creates/renames/unlinks in `dir` durable; without it a power cut can undo a rename. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export async function removeQuietly(dir: string, names: string[]): Promise<void> {
  await Promise.all(names.map((n) => fsp.rm(path.join(dir, n), { force: true })));
}
