import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { auditTemplate, FILL_BATCH, insertFillers } from './growth';
import type { DuringRun } from './load';
import { sleep, type ServerProcess } from './processes';

/**
 * `command`: MongoDB's `compact` command on audit_logs, sent to the database during the row.
 * `auto`: the journal's own size-triggered compaction, provoked by writing filler entries during
 * the row until the database logs one (a test aid: the filler writes load the database too).
 */
export type CompactionMode = 'command' | 'auto';

export interface CompactionOutcome {
  mode: CompactionMode;
  /** From the start of the measured run to the compaction request. */
  requestedAfterMs: number;
  /** The command's round trip (command mode). */
  commandMs?: number;
  reply?: unknown;
  /** Filler entries written until the journal began a new generation (auto mode). */
  fillerDocs?: number;
  /** The journal's compaction lines the database printed during the measured run. */
  journalLines: string[];
}

const COMPACTED = /journal: compacted/;

/** The newest journal file of the data directory: a new one means a compaction has begun. */
export function newestJournal(dataDir: string): string | undefined {
  return readdirSync(dataDir)
    .filter((f) => /^journal-\d+\.log$/.test(f))
    .sort()
    .pop();
}

/** Bytes in the newest journal file: what was written since its snapshot. */
function journalBytes(dataDir: string): number {
  const newest = newestJournal(dataDir);
  return newest ? statSync(join(dataDir, newest)).size : 0;
}

/**
 * Auto mode, before the row: brings the journal to `primeMb` (just below the size at which the
 * journal asks for a compaction), so the filler writes during the row cross it within seconds.
 */
export async function primeJournal(db: Db, dataDir: string, primeMb: number): Promise<number> {
  const shape = await auditTemplate(db);
  let docs = 0;
  while (journalBytes(dataDir) < primeMb * 1048576) {
    await insertFillers(db, shape, docs, FILL_BATCH);
    docs += FILL_BATCH;
  }
  return docs;
}

/**
 * Writes filler entries until the database logs a compaction or the run is nearly over; returns
 * how many it wrote.
 */
async function provoke(db: Db, dataDir: string, until: number, stop: () => void): Promise<number> {
  const shape = await auditTemplate(db);
  const journal = newestJournal(dataDir);
  let fillerDocs = 0;
  while (newestJournal(dataDir) === journal && Date.now() < until) {
    await insertFillers(db, shape, fillerDocs, FILL_BATCH);
    fillerDocs += FILL_BATCH;
  }
  if (newestJournal(dataDir) !== journal) return fillerDocs;
  stop();
  throw new Error(
    `no journal compaction after ${fillerDocs} filler entries ` +
      `(${journal} at ${(journalBytes(dataDir) / 1048576).toFixed(1)} MB)`,
  );
}

/** A `during` hook for runRow that compacts once the run has settled (a quarter of the way in). */
export function compactDuringRow(
  db: Db,
  dbServer: ServerProcess | undefined,
  dataDir: string | undefined,
  mode: CompactionMode,
  outcome: (o: CompactionOutcome) => void,
): DuringRun {
  return async ({ stop, durationMs }) => {
    if (mode === 'auto' && !dataDir) {
      stop();
      throw new Error("auto compaction needs the database's data directory");
    }
    const journalLines: string[] = [];
    const unsubscribe = dbServer?.onLine((line) => {
      if (COMPACTED.test(line)) journalLines.push(line.trim().slice(0, 200));
    });
    const t0 = Date.now();
    try {
      await sleep(durationMs / 4);
      const requestedAfterMs = Date.now() - t0;
      if (mode === 'command') {
        const reply = await db.command({ compact: 'audit_logs' }).catch((err: Error) => {
          stop();
          throw new Error(`compact command failed: ${err.message}`);
        });
        const commandMs = Date.now() - t0 - requestedAfterMs;
        outcome({ mode, requestedAfterMs, commandMs, reply, journalLines });
      } else {
        const fillerDocs = await provoke(db, dataDir!, t0 + durationMs * 0.75, stop);
        outcome({ mode, requestedAfterMs, fillerDocs, journalLines });
      }
    } catch (err) {
      unsubscribe?.();
      throw err;
    }
    // The lines printed until the run ends still belong to it (`journalLines` is shared).
    await sleep(Math.max(0, durationMs - (Date.now() - t0)));
    unsubscribe?.();
  };
}

/** Journal generations begun after `since` (a file name from newestJournal): compactions started. */
export function journalsSince(dataDir: string, since: string | undefined): number {
  return readdirSync(dataDir).filter(
    (f) => /^journal-\d+\.log$/.test(f) && (since === undefined || f > since),
  ).length;
}
