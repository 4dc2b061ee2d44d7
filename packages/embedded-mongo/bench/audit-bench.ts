/**
 * The audit_logs rows of the database benchmark, against the bin in its own process with its
 * journal: CPU per document of a batched insertMany into a collection indexed like the app's
 * `audit_logs`, at 0 documents and at BENCH_DB_GROWTH documents (default 1,000,000); the slowest
 * ping while a `compact` command rewrites all of them; the slowest ping while a TTL sweep deletes
 * BENCH_DB_TTL documents (default 100,000).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, ObjectId, type Collection, type Db, type Document } from 'mongodb';
import { pingDuring, serverCpuUs, startServerProcess } from './server-process';

const GROWTH = Number(process.env.BENCH_DB_GROWTH ?? 1_000_000);
const TTL_DOCS = Number(process.env.BENCH_DB_TTL ?? 100_000);
const BATCH = 250;
const MEASURED_DOCS = 20_000;
const ROUNDS = Number(process.env.BENCH_DB_ROUNDS ?? 3);
const EVENTS = ['login_success', 'token_issued', 'token_denied', 'rate_limit_exceeded'];
const DAY_MS = 86_400_000;

export interface AuditRow {
  row: string;
  value: number;
  unit: string;
  detail: string;
}

/** An entry as the app's audit writer stores it (`_id` first, as Mongoose sends it). */
function auditEntry(i: number, expiresAt?: number): Document {
  const now = Date.now();
  return {
    _id: new ObjectId(),
    event_type: EVENTS[i % EVENTS.length],
    client_id: `client-${i % 1000}`,
    ip: '127.0.0.1',
    reason: i % 4 === 2 ? 'invalid_client' : undefined,
    timestamp: new Date(now),
    request_id: randomUUID(),
    details: {
      jti: randomBytes(16).toString('hex'),
      scope: 'read write',
      aud: 'http://localhost:8000',
      grant_type: 'client_credentials',
    },
    expires_at: new Date(expiresAt ?? now + 90 * DAY_MS),
  };
}

/** The app's audit_logs indexes (src/audit/schemas/audit-log.schema.ts), `_id` being the fifth. */
async function createAuditIndexes(coll: Collection): Promise<void> {
  await coll.createIndex({ timestamp: -1, _id: -1 });
  await coll.createIndex({ client_id: 1, timestamp: -1 });
  await coll.createIndex({ event_type: 1, timestamp: -1 });
  await coll.createIndex({ expires_at: 1 }, { expireAfterSeconds: 0 });
}

/** Inserts `total` entries in batches of BATCH, two batches in flight, like the audit writer. */
async function insertBatches(
  coll: Collection,
  total: number,
  batch = BATCH,
  expiresAt?: number,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const n = Math.min(batch, total - next);
      const docs = Array.from({ length: n }, (_, j) => auditEntry(next + j, expiresAt));
      next += n;
      await coll.insertMany(docs, { ordered: false });
    }
  };
  await Promise.all([lane(), lane()]);
}

/**
 * Server CPU per inserted document, best of ROUNDS rounds of MEASURED_DOCS. A compaction first,
 * so none starts (or is still running) inside the window at either size: compaction rewrites
 * everything, its cost per stored document is reported on the compact row, and since it waits
 * for the journal to outgrow the last snapshot its cost per inserted document stays the same.
 */
async function cpuPerDoc(db: Db, coll: Collection): Promise<{ best: number; rounds: number[] }> {
  await db.command({ compact: coll.collectionName });
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = await serverCpuUs(db);
    await insertBatches(coll, MEASURED_DOCS);
    rounds.push((await serverCpuUs(db)) - before);
  }
  const perDoc = rounds.map((us) => us / MEASURED_DOCS);
  return { best: Math.min(...perDoc), rounds: perDoc };
}

export async function runAuditRows(): Promise<AuditRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-bench-audit-'));
  const maxDataMb = Math.max(512, Math.ceil(((GROWTH + TTL_DOCS) * 400) / 1048576) * 2);
  const server = await startServerProcess(
    ['--data', dir, '--quiet', '--max-data-mb', String(maxDataMb), '--ttl-interval-ms', '500'],
    ['--max-old-space-size=' + String(Math.max(2048, maxDataMb * 8))],
  );
  const client = await new MongoClient(server.uri).connect();
  const rows: AuditRow[] = [];
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' / ');
  try {
    const db = client.db('bench');
    const audit = db.collection('audit_logs');
    await createAuditIndexes(audit);
    await insertBatches(db.collection('warm'), 20_000); // JIT warm-up, not measured
    await db.collection('warm').drop();

    const empty = await cpuPerDoc(db, audit);
    rows.push({
      row: `insertMany x${BATCH} audit_logs (5 indexes, journal) @0`,
      value: empty.best,
      unit: 'µs CPU/doc',
      detail: fmt(empty.rounds),
    });
    const fillStart = performance.now();
    await insertBatches(audit, GROWTH, 1000);
    const fillS = (performance.now() - fillStart) / 1000;
    const grown = await cpuPerDoc(db, audit);
    const count = await audit.estimatedDocumentCount();
    rows.push({
      row: `insertMany x${BATCH} audit_logs (5 indexes, journal) @${Math.round(GROWTH / 1000)}k`,
      value: grown.best,
      unit: 'µs CPU/doc',
      detail: `${fmt(grown.rounds)} (fill: ${Math.round(GROWTH / fillS)} docs/s)`,
    });
    rows.push({
      row: 'growth ratio',
      value: grown.best / empty.best,
      unit: 'x',
      detail: `@${Math.round(GROWTH / 1000)}k / @0 (target <= 1.3)`,
    });

    // The same pings with nothing else running: what the machine's scheduling alone costs.
    const idle = await pingDuring(db, new Promise((r) => setTimeout(r, 2_000)));
    const idleNote = `idle: max ${idle.maxMs.toFixed(1)} ms, p99 ${idle.p99Ms.toFixed(1)} ms`;
    const cpuBefore = await serverCpuUs(db);
    const compaction = await pingDuring(db, db.command({ compact: 'audit_logs' }));
    const compactCpu = (await serverCpuUs(db)) - cpuBefore;
    rows.push({
      row: `compact (${Math.round(count / 1000)}k docs): slowest ping`,
      value: compaction.maxMs,
      unit: 'ms',
      detail: `p99 ${compaction.p99Ms.toFixed(1)} ms, ${compaction.pings} pings, compaction ${Math.round(compaction.workMs)} ms, ${(compactCpu / count).toFixed(1)} µs CPU/stored doc; ${idleNote} (target <= 20)`,
    });

    rows.push(await ttlRow(db, idleNote));
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * Entries already past their expires_at, under a TTL index that keeps them for years; collMod
 * (which rebuilds the index, so it stays outside the measured window) lowers expireAfterSeconds
 * to 0, and the pings run until the sweeps, every 500 ms, have deleted them all.
 */
async function ttlRow(db: Db, idleNote: string): Promise<AuditRow> {
  const coll = db.collection('ttl_sweep');
  await coll.createIndex({ expires_at: 1 }, { expireAfterSeconds: 100 * 365 * 86_400 });
  await insertBatches(coll, TTL_DOCS, 1000, Date.now() - 1000);
  await db.command({
    collMod: 'ttl_sweep',
    index: { keyPattern: { expires_at: 1 }, expireAfterSeconds: 0 },
  });
  const emptied = (async () => {
    while ((await coll.estimatedDocumentCount()) > 0) await new Promise((r) => setTimeout(r, 20));
  })();
  const sweep = await pingDuring(db, emptied);
  return {
    row: `TTL sweep (${Math.round(TTL_DOCS / 1000)}k expired docs): slowest ping`,
    value: sweep.maxMs,
    unit: 'ms',
    detail: `p99 ${sweep.p99Ms.toFixed(1)} ms, ${sweep.pings} pings, until empty ${Math.round(sweep.workMs)} ms; ${idleNote} (target <= 20)`,
  };
}
