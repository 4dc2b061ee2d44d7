import type { Document } from 'bson';

/** Index definition as the engine stores it (the shape `createIndexes` receives, normalised). */
export interface IndexSpec {
  name: string;
  key: Record<string, 1 | -1 | string>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  /** The full collation document (as listIndexes shows it); absent = binary comparison. */
  collation?: Document;
  /** Kept up to date (unique checks too) but never chosen by the planner. */
  hidden?: boolean;
}

/**
 * One logical change. The engine hands the journal post-images (whole documents), not
 * update operators, so that replay never re-runs query logic and is idempotent.
 */
export type JournalRecord =
  /** `raw`, when set, is `doc`'s exact BSON (as it came off the wire): journaled as is. */
  | { op: 'put'; db: string; coll: string; doc: Document; raw?: Uint8Array }
  | { op: 'del'; db: string; coll: string; id: unknown }
  | { op: 'createCollection'; db: string; coll: string; options?: Document }
  | { op: 'collMod'; db: string; coll: string; options: Document }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'dropDatabase'; db: string };

export interface Persistence {
  /** Replays the snapshot then the journal, in order, into `apply`. Truncates a torn tail. */
  load(apply: (record: JournalRecord) => void): Promise<void>;
  /** Resolves only once every record is durable (fsynced). Records of concurrent calls may share one fsync. */
  append(records: JournalRecord[]): Promise<void>;
  /**
   * Starts a fresh journal at once, then writes a snapshot of the whole state from `dump()`,
   * which may be read lazily while appends go on (see JournalPersistence). Resolves with the
   * bytes freed on disk.
   */
  compact(dump: () => Iterable<JournalRecord>): Promise<number>;
  /** Flushes pending records and closes files. */
  close(): Promise<void>;
  /** True when the journal has grown enough that calling `compact` would pay off. Optional. */
  shouldCompact?(): boolean;
}
