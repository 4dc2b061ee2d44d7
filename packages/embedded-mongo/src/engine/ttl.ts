import { performance } from 'node:perf_hooks';
import type { Engine } from './engine';
import { valuesAtPath } from './values';

/** The default TTL monitor period of mongod (ttlMonitorSleepSecs = 60). */
export const DEFAULT_TTL_INTERVAL_MS = 60_000;

/** How long one slice of a sweep may hold the event loop, and how many entries it may visit. */
export const TTL_SLICE_MS = 4;
const TTL_SLICE_ENTRIES = 256;

export interface SweepSlice {
  removed: number;
  /** No expired document is left (as of `now`). */
  done: boolean;
}

/**
 * Deletes documents whose indexed date (the earliest one, for arrays) is older than the index's
 * expireAfterSeconds, in one go. Uses the index's sorted keys, so only expired entries are visited.
 */
export function sweepExpired(engine: Engine, now = Date.now()): number {
  let removed = 0;
  for (;;) {
    const slice = sweepExpiredSlice(engine, now, Infinity);
    removed += slice.removed;
    if (slice.done) return removed;
  }
}

/**
 * One bounded slice of a sweep: visits at most TTL_SLICE_ENTRIES expired index entries and
 * stops at `deadline` (a performance.now() value). The caller yields to the event loop and
 * calls again until `done`, so a sweep of any size never blocks the loop for long.
 */
export function sweepExpiredSlice(
  engine: Engine,
  now: number,
  deadline = performance.now() + TTL_SLICE_MS,
): SweepSlice {
  let removed = 0;
  let visited = 0;
  for (const colls of engine.dbs.values()) {
    for (const coll of colls.values()) {
      for (const idx of coll.indexes.values()) {
        const secs = idx.spec.expireAfterSeconds;
        if (secs === undefined || idx.fields.length !== 1 || !Number.isFinite(secs)) continue;
        const cutoff = now - secs * 1000;
        const budget = TTL_SLICE_ENTRIES - visited;
        const ids = idx.rangeIds({ value: new Date(cutoff), inclusive: true }, budget);
        visited += ids.length;
        for (const id of new Set(ids)) {
          const doc = coll.docs.get(id);
          if (!doc) continue;
          const dates = valuesAtPath(doc, idx.fields[0]).filter(
            (v): v is Date => v instanceof Date,
          );
          if (dates.length === 0 || Math.min(...dates.map((d) => d.getTime())) > cutoff) continue;
          coll.remove(doc);
          removed++;
          if ((removed & 7) === 0 && performance.now() > deadline) return { removed, done: false };
        }
        if (ids.length >= budget) return { removed, done: false };
      }
    }
  }
  return { removed, done: true };
}
