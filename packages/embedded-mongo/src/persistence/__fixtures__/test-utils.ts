import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { EJSON, type Document } from 'bson';
import type { PersistenceLogger } from '../loader';
import type { JournalRecord } from '../persistence.types';

export function makeTmpDir(prefix = 'journal-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturingLogger extends PersistenceLogger {
  warnings: string[];
  errors: string[];
}

export function capturingLogger(): CapturingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    log: () => undefined,
    warn: (m) => warnings.push(m),
    error: (m) => errors.push(m),
  };
}

const idKey = (id: unknown): string => EJSON.stringify({ id }, { relaxed: false });

/** Minimal engine stand-in: applies post-images to a map keyed by namespace + _id. */
export class StateModel {
  readonly docs = new Map<string, Map<string, Document>>();
  readonly collections = new Set<string>();

  apply = (r: JournalRecord): void => {
    const ns = 'coll' in r ? `${r.db}.${r.coll}` : r.db;
    switch (r.op) {
      case 'put':
        this.coll(ns).set(idKey(r.doc._id), r.doc);
        break;
      case 'del':
        this.coll(ns).delete(idKey(r.id));
        break;
      case 'createCollection':
        this.collections.add(ns);
        break;
      case 'dropCollection':
        this.collections.delete(ns);
        this.docs.delete(ns);
        break;
      case 'dropDatabase':
        for (const k of [...this.docs.keys()]) if (k.startsWith(`${r.db}.`)) this.docs.delete(k);
        break;
      default:
        break;
    }
  };

  coll(ns: string): Map<string, Document> {
    let m = this.docs.get(ns);
    if (m === undefined) this.docs.set(ns, (m = new Map<string, Document>()));
    return m;
  }

  get(ns: string, id: unknown): Document | undefined {
    return this.docs.get(ns)?.get(idKey(id));
  }

  *dump(): Iterable<JournalRecord> {
    for (const ns of this.collections) {
      const [db, coll] = ns.split('.');
      yield { op: 'createCollection', db, coll };
    }
    for (const [ns, m] of this.docs) {
      const [db, coll] = ns.split('.');
      for (const doc of m.values()) yield { op: 'put', db, coll, doc };
    }
  }

  /** Canonical form for equality checks across reloads. */
  snapshot(): string {
    const out: Record<string, string[]> = {};
    for (const [ns, m] of [...this.docs].sort(([a], [b]) => a.localeCompare(b))) {
      out[ns] = [...m.values()].map((d) => EJSON.stringify(d, { relaxed: false })).sort();
    }
    return JSON.stringify(out);
  }
}

export const put = (n: number, extra: Document = {}): JournalRecord => ({
  op: 'put',
  db: 'app',
  coll: 'items',
  doc: { _id: n, n, ...extra },
});
