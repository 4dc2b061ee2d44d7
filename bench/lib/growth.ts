import { randomUUID } from 'node:crypto';
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  ObjectId,
  type Collection,
  type Db,
  type Document,
} from 'mongodb';
import { mapLimit } from './provision';

export interface GrowthFill {
  /** audit_logs documents before and after the fill. */
  before: number;
  after: number;
  inserted: number;
  seconds: number;
  /** The database process's CPU per inserted entry (batched, journaled, with the service's indexes). */
  dbCpuUsPerDoc?: number;
  /** The harness's CPU per entry (building and encoding it): what the fill costs on this side. */
  harnessCpuUsPerDoc: number;
}

const BATCH = 2000;
const DAY_MS = 86_400_000;

/** Used only when the service has stored no audit entry yet: the FastAPI service's fields. */
const FALLBACK: Document = {
  event_type: 'login_success',
  client_id: 'bench-growth',
  ip: '127.0.0.1',
  timestamp: new Date(),
  request_id: randomUUID(),
  details: { grant_type: 'client_credentials', scope: 'read', jti: randomUUID() },
  expires_at: new Date(Date.now() + 90 * DAY_MS),
};

/**
 * Copies of `template` with what differs per request made distinct (id, time, request id, jti) and
 * dated over the past 30 days: older than any row, so a row's census never counts them.
 */
function filler(template: Document, i: number, now: number): Document {
  // Shallow copies: only top-level fields and details.jti change, the rest is shared (read-only).
  const { _id: _ignored, ...doc } = template;
  const ts = now - DAY_MS - ((i * 2_593) % (30 * DAY_MS));
  const retentionMs =
    doc.expires_at instanceof Date && doc.timestamp instanceof Date
      ? doc.expires_at.getTime() - doc.timestamp.getTime()
      : 90 * DAY_MS;
  doc._id = new ObjectId();
  doc.timestamp = new Date(ts);
  if ('expires_at' in doc) doc.expires_at = new Date(ts + retentionMs);
  if (typeof doc.request_id === 'string') doc.request_id = randomUUID();
  if (typeof doc.client_id === 'string') doc.client_id = `${doc.client_id}-${i % 1000}`;
  const details = doc.details as Document | undefined;
  if (details && typeof details.jti === 'string') doc.details = { ...details, jti: randomUUID() };
  return doc;
}

/**
 * An entry the service wrote in the last hour (the shape to copy; fillers are older, and a range
 * on the timestamp index stays cheap however large the collection), or the FastAPI service's fields.
 */
async function template(db: Db): Promise<Document> {
  const recent = { timestamp: { $gte: new Date(Date.now() - 3_600_000) } };
  const entry = await db.collection('audit_logs').find(recent).limit(1).next();
  return entry ?? structuredClone(FALLBACK);
}

/** `n` more entries in one unordered insertMany; `from` numbers them (client ids, dates). */
export async function insertFillers(
  db: Db,
  shape: Document,
  from: number,
  n: number,
): Promise<void> {
  const now = Date.now();
  const docs = Array.from({ length: n }, (_, k) => filler(shape, from + k, now));
  await insertRetrying(db.collection('audit_logs'), docs);
}

/** A stalled database (a long compaction) makes the driver drop its connections mid-batch. */
const transient = (err: unknown): boolean =>
  err instanceof MongoNetworkError ||
  (err instanceof MongoError &&
    (err.name === 'PoolClearedOnNetworkError' || err.hasErrorLabel('RetryableWriteError')));

/** Only duplicate `_id`s: a retried batch whose first attempt was applied (in part). */
const onlyDuplicates = (err: unknown): boolean =>
  err instanceof MongoBulkWriteError &&
  Array.isArray(err.writeErrors) &&
  err.writeErrors.every((e) => e.code === 11000);

/**
 * Unordered insertMany, sent again (same `_id`s) after a dropped connection: the entries the
 * first attempt stored come back as duplicates, which is what a retry must find.
 */
async function insertRetrying(coll: Collection, docs: Document[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await coll.insertMany(docs, { ordered: false });
      return;
    } catch (err) {
      if (attempt > 1 && onlyDuplicates(err)) return;
      if (attempt >= 5 || !transient(err)) throw err;
    }
  }
}

export { template as auditTemplate, BATCH as FILL_BATCH };

/**
 * Tops `audit_logs` up to `target` documents through the wire (insertMany batches, unordered, two
 * in flight), shaped like the newest entry the service wrote, so the indexes see realistic keys.
 */
export async function fillAuditLogs(
  db: Db,
  target: number,
  log: (m: string) => void,
  dbCpuSeconds?: () => number,
): Promise<GrowthFill> {
  const coll = db.collection('audit_logs');
  const started = Date.now();
  const cpu0 = { db: dbCpuSeconds?.() ?? 0, harness: process.cpuUsage() };
  const before = await coll.estimatedDocumentCount();
  const shape = await template(db);
  const missing = Math.max(0, target - before);
  const batches = Math.ceil(missing / BATCH);
  let done = 0;
  let lastLog = Date.now();
  await mapLimit(batches, 2, async (b) => {
    const n = Math.min(BATCH, missing - b * BATCH);
    await insertFillers(db, shape, before + b * BATCH, n);
    done += n;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`growth fill: ${done}/${missing} audit_logs documents`);
    }
  });
  const harness = process.cpuUsage(cpu0.harness);
  const perDoc = (sec: number): number => (missing > 0 ? (1e6 * sec) / missing : 0);
  const after = await coll.estimatedDocumentCount();
  return {
    before,
    after,
    inserted: missing,
    seconds: (Date.now() - started) / 1000,
    dbCpuUsPerDoc: dbCpuSeconds && perDoc(dbCpuSeconds() - cpu0.db),
    harnessCpuUsPerDoc: perDoc((harness.user + harness.system) / 1e6),
  };
}
