import { Long, calculateObjectSize, type Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';

/** Replies stay under the 16 MiB BSON limit with headroom for the envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
export const DEFAULT_FIRST_BATCH = 101;
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  ns: string;
  docs: Document[];
  pos: number;
  lastUsed: number;
  project?: (d: Document) => Document;
}

export interface Batch {
  id: Long;
  docs: Document[];
}

/** Normalises an incoming cursor id (number when it fits 53 bits, else Long) to a map key. */
export function cursorKey(id: unknown): string {
  if (Long.isLong(id)) return id.toString();
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  throw new MongoCommandError(
    ErrorCodes.TypeMismatch,
    `Field 'getMore' must be of type long in: ${String(id)}`,
  );
}

export class CursorRegistry {
  private readonly open = new Map<string, OpenCursor>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.expire(Date.now()), 60_000);
    this.timer.unref();
  }

  get size(): number {
    return this.open.size;
  }

  /** Takes the first batch; leftovers stay open under a fresh int64 id (0 when exhausted). */
  start(
    ns: string,
    docs: Document[],
    batchSize: number | undefined,
    singleBatch: boolean,
    project?: (d: Document) => Document,
  ): Batch {
    const cursor: OpenCursor = { ns, docs, pos: 0, lastUsed: Date.now(), project };
    const first = this.take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || cursor.pos >= docs.length) return { id: Long.ZERO, docs: first };
    const id = this.newId();
    this.open.set(id.toString(), cursor);
    return { id, docs: first };
  }

  next(idValue: unknown, ns: string, batchSize: number | undefined): Batch {
    const key = cursorKey(idValue);
    const cursor = this.open.get(key);
    if (!cursor)
      throw new MongoCommandError(ErrorCodes.CursorNotFound, `cursor id ${key} not found`);
    if (cursor.ns !== ns) {
      throw new MongoCommandError(
        ErrorCodes.Unauthorized,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    cursor.lastUsed = Date.now();
    const docs = this.take(cursor, batchSize && batchSize > 0 ? batchSize : Infinity);
    if (cursor.pos >= cursor.docs.length) {
      this.open.delete(key);
      return { id: Long.ZERO, docs };
    }
    return { id: Long.fromString(key), docs };
  }

  kill(ids: unknown[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids) {
      const key = cursorKey(raw);
      (this.open.delete(key) ? killed : notFound).push(Long.fromString(key));
    }
    return { killed, notFound };
  }

  expire(now: number): void {
    for (const [k, c] of this.open) if (now - c.lastUsed > IDLE_TIMEOUT_MS) this.open.delete(k);
  }

  close(): void {
    clearInterval(this.timer);
    this.open.clear();
  }

  private take(cursor: OpenCursor, limit: number): Document[] {
    const out: Document[] = [];
    let bytes = 0;
    while (cursor.pos < cursor.docs.length && out.length < limit) {
      const raw = cursor.docs[cursor.pos];
      const d = cursor.project ? cursor.project(raw) : raw;
      bytes += calculateObjectSize(d);
      if (bytes > MAX_BATCH_BYTES && out.length > 0) break;
      out.push(d);
      cursor.pos++;
    }
    return out;
  }

  private newId(): Long {
    // Positive 63-bit ids like mongod; the high word keeps them beyond 2^53 so they travel as int64.
    const hi = 0x00200000 + Math.floor(Math.random() * 0x7fdfffff);
    const lo = Math.floor(Math.random() * 0xffffffff);
    return Long.fromBits(lo | 0, hi | 0);
  }
}
