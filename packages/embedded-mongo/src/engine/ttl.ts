import type { Engine } from './engine';
import { valuesAtPath } from './values';

/** The default TTL monitor period of mongod (ttlMonitorSleepSecs = 60). */
export const DEFAULT_TTL_INTERVAL_MS = 60_000;

/**
 * Deletes documents whose indexed date (the earliest one, for arrays) is older than the index's
 * expireAfterSeconds. Uses the index's sorted keys, so only expired entries are visited.
 */
export function sweepExpired(engine: Engine, now = Date.now()): number {
  let removed = 0;
  for (const colls of engine.dbs.values()) {
    for (const coll of colls.values()) {
      for (const idx of coll.indexes.values()) {
        const secs = idx.spec.expireAfterSeconds;
        if (secs === undefined || idx.fields.length !== 1 || !Number.isFinite(secs)) continue;
        const cutoff = now - secs * 1000;
        const ids = idx.range(undefined, { value: new Date(cutoff), inclusive: true });
        for (const id of new Set(ids)) {
          const doc = coll.docs.get(id);
          if (!doc) continue;
          const dates = valuesAtPath(doc, idx.fields[0]).filter(
            (v): v is Date => v instanceof Date,
          );
          if (dates.length === 0 || Math.min(...dates.map((d) => d.getTime())) > cutoff) continue;
          coll.remove(doc);
          removed++;
        }
      }
    }
  }
  return removed;
}
