import type { Document } from 'bson';
import type { JournalRecord } from '../persistence/persistence.types';
import { ErrorCodes, MongoCommandError } from '../errors';
import { ProcessingMode } from 'mingo';
import { Collection } from './collection';
import { newAggregator } from './query-context';
import { defaultMaxDataMb, MemoryBudget } from './memory-budget';

/** All databases of one server. Write effects are buffered as journal records until the command finishes. */
export class Engine {
  readonly dbs = new Map<string, Map<string, Collection>>();
  readonly budget: MemoryBudget;
  private pending: JournalRecord[] = [];
  private readonly record = (r: JournalRecord): void => {
    this.pending.push(r);
  };

  constructor(maxDataBytes = defaultMaxDataMb() * 1024 * 1024) {
    this.budget = new MemoryBudget(maxDataBytes);
  }

  /** Records produced since the last call, in the order the changes were made. */
  takeRecords(): JournalRecord[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Documents stored in all collections. */
  documentCount(): number {
    let n = 0;
    for (const colls of this.dbs.values()) for (const c of colls.values()) n += c.docs.size;
    return n;
  }

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** The collection, created implicitly (as mongod does for writes and createIndexes). */
  ensureCollection(db: string, name: string, options: Document = {}, journal = true): Collection {
    validateNames(db, name);
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map<string, Collection>()));
    let c = colls.get(name);
    if (!c) {
      c = new Collection(db, name, options, this.record, this.budget);
      if (typeof options.viewOn === 'string') {
        const view = c;
        // Resolved at read time: the source may change, or itself be a view, and collMod may
        // give the view another definition.
        c.viewSource = () =>
          newAggregator((view.options.pipeline as Document[] | undefined) ?? [], {
            processingMode: ProcessingMode.CLONE_INPUT,
          }).run<Document>(
            this.collection(db, view.options.viewOn as string)?.find(undefined) ?? [],
          );
      }
      colls.set(name, c);
      if (journal) this.record({ op: 'createCollection', db, coll: name, options });
    }
    return c;
  }

  recordCollMod(db: string, coll: string, options: Document): void {
    this.record({ op: 'collMod', db, coll, options });
  }

  dropCollection(db: string, name: string, journal = true): boolean {
    const colls = this.dbs.get(db);
    const c = colls?.get(name);
    if (!colls || !c) return false;
    colls.delete(name);
    c.releaseAll();
    if (colls.size === 0) this.dbs.delete(db);
    if (journal) this.record({ op: 'dropCollection', db, coll: name });
    return true;
  }

  dropDatabase(db: string, journal = true): void {
    for (const c of this.dbs.get(db)?.values() ?? []) c.releaseAll();
    this.dbs.delete(db);
    if (journal) this.record({ op: 'dropDatabase', db });
  }

  /** Replays one journal record; replay never re-checks constraints. */
  apply(r: JournalRecord): void {
    switch (r.op) {
      case 'put':
        this.ensureCollection(r.db, r.coll, {}, false).insert(r.doc, true);
        break;
      case 'del':
        this.collection(r.db, r.coll)?.removeById(r.id);
        break;
      case 'createCollection':
        this.ensureCollection(r.db, r.coll, r.options ?? {}, false);
        break;
      case 'collMod':
        this.ensureCollection(r.db, r.coll, {}, false).options = r.options;
        break;
      case 'dropCollection':
        this.dropCollection(r.db, r.coll, false);
        break;
      case 'createIndex':
        this.ensureCollection(r.db, r.coll, {}, false).createIndex(r.spec, true);
        break;
      case 'dropIndex':
        this.collection(r.db, r.coll)?.dropIndex(r.name, false);
        break;
      case 'dropDatabase':
        this.dropDatabase(r.db, false);
        break;
    }
  }

  /**
   * The whole state as records, read lazily from the live maps, so a compaction can consume it
   * in slices while writes go on. Whatever changes during the walk also goes to the journal
   * the compaction started, which is replayed after the snapshot: the walk may show a document
   * in a newer state, or twice, or miss one deleted meanwhile, and replay still ends in the
   * right state, because records are post-images and replaying them is idempotent.
   */
  *dump(): Generator<JournalRecord> {
    for (const [db, colls] of this.dbs) {
      for (const [name, c] of colls) {
        yield { op: 'createCollection', db, coll: name, options: c.options };
        for (const idx of [...c.indexes.values()]) {
          if (idx.name !== '_id_') yield { op: 'createIndex', db, coll: name, spec: idx.spec };
        }
        for (const doc of c.docs.values()) yield { op: 'put', db, coll: name, doc };
      }
    }
  }
}

function validateNames(db: string, coll: string): void {
  if (!db || /[/\\. "$\0]/.test(db)) {
    throw new MongoCommandError(ErrorCodes.InvalidNamespace, `Invalid database name: '${db}'`);
  }
  if (
    !coll ||
    coll.includes('$') ||
    coll.includes('\0') ||
    coll.startsWith('.') ||
    coll.startsWith('system.')
  ) {
    throw new MongoCommandError(ErrorCodes.InvalidNamespace, `Invalid collection name: ${coll}`);
  }
}
