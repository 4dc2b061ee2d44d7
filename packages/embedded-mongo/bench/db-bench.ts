/**
 * Embedded database benchmark: insertOne and findOne by a unique field through Mongoose, at 1k
 * and 100k documents, in memory and with the journal; then the audit_logs rows (audit-bench.ts).
 * Run with `npm run bench:db` (repository root) or `npm run bench` (this package); both compile it
 * with tsc first and run the built JavaScript.
 *
 * Env: BENCH_DB_CONCURRENCY (default 32), BENCH_DB_BIG (default 100000), BENCH_DB_IN_WORKER
 * (default 1: the server on its own thread, as the app runs it), BENCH_DB_AUDIT (default 1; 0
 * skips the audit_logs rows), BENCH_DB_GROWTH, BENCH_DB_TTL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mongoose, { Schema } from 'mongoose';

import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { runAuditRows } from './audit-bench';

const CONCURRENCY = Number(process.env.BENCH_DB_CONCURRENCY ?? 32);
const SMALL = 1_000;
const BIG = Number(process.env.BENCH_DB_BIG ?? 100_000);
const IN_WORKER = process.env.BENCH_DB_IN_WORKER !== '0';
const MEASURED_INSERTS = 2_000;
const MEASURED_FINDS = 4_000;
/** Shared 2-core machines are noisy: each figure is the best of ROUNDS runs (all are printed). */
const ROUNDS = Number(process.env.BENCH_DB_ROUNDS ?? 3);

interface Row {
  mode: string;
  op: string;
  size: number;
  opsPerSec: number;
  rounds: number[];
}

/** Runs `total` operations with `CONCURRENCY` in flight; returns ops/s. */
async function measure(total: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

async function runMode(mode: 'memory' | 'journal'): Promise<Row[]> {
  const dir = mode === 'journal' ? mkdtempSync(path.join(os.tmpdir(), 'db-bench-')) : undefined;
  const server = await startEmbeddedMongo({ dataDir: dir, inWorker: IN_WORKER, logger: false });
  const conn = await mongoose
    .createConnection(server.uri, { dbName: 'bench', maxPoolSize: CONCURRENCY })
    .asPromise();
  const rows: Row[] = [];
  try {
    const Item = conn.model(
      'Item',
      new Schema({ key: { type: String, unique: true }, payload: String, n: Number }),
    );
    await Item.init();
    const payload = 'x'.repeat(200);
    // Warm-up (JIT, connection pool) on another collection, not measured.
    const Warm = conn.model('Warm', new Schema({ key: { type: String, unique: true } }));
    await Warm.init();
    await measure(2_000, (i) => Warm.create({ key: `w${i}` }));
    await measure(2_000, (i) => Warm.findOne({ key: `w${i}` }).lean());
    await Warm.collection.drop();
    let count = 0;
    const doc = (i: number) => ({ key: `key-${i}`, payload, n: i });
    const fill = async (to: number): Promise<void> => {
      for (let i = count; i < to; i += 1000) {
        const n = Math.min(1000, to - i);
        await Item.insertMany(
          Array.from({ length: n }, (_, j) => doc(i + j)),
          { lean: true },
        );
      }
      count = to;
    };
    // Each round inserts MEASURED_INSERTS documents, then removes them again, so the size stays put.
    const insertRow = async (size: number): Promise<void> => {
      const rounds: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        rounds.push(await measure(MEASURED_INSERTS, (i) => Item.create(doc(count + i))));
        await Item.deleteMany({ n: { $gte: count } });
      }
      rows.push({ mode, op: 'insertOne', size, opsPerSec: Math.max(...rounds), rounds });
    };
    const findRow = async (size: number): Promise<void> => {
      const rounds: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        rounds.push(
          await measure(MEASURED_FINDS, async (i) => {
            const k = ((i + r * MEASURED_FINDS) * 7919) % count;
            const found = await Item.findOne({ key: `key-${k}` }).lean();
            if (!found) throw new Error(`key-${k} not found`);
          }),
        );
      }
      rows.push({ mode, op: 'findOne', size, opsPerSec: Math.max(...rounds), rounds });
    };
    await fill(SMALL);
    await insertRow(SMALL);
    await findRow(SMALL);
    await fill(BIG);
    await insertRow(BIG);
    await findRow(BIG);
  } finally {
    await conn.close();
    await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  console.log(
    `db bench: concurrency ${CONCURRENCY}, server ${IN_WORKER ? 'in a worker thread' : 'in process'}, ${os.cpus().length} CPUs`,
  );
  const rows = [...(await runMode('memory')), ...(await runMode('journal'))];
  console.table(
    rows.map((r) => ({
      mode: r.mode,
      op: r.op,
      docs: r.size,
      'ops/s (best)': Math.round(r.opsPerSec),
      rounds: r.rounds.map(Math.round).join(' / '),
    })),
  );
  const pick = (mode: string, op: string, size: number): number =>
    rows.find((r) => r.mode === mode && r.op === op && r.size === size)?.opsPerSec ?? NaN;
  for (const mode of ['memory', 'journal']) {
    const ratio = pick(mode, 'findOne', BIG) / pick(mode, 'findOne', SMALL);
    console.log(
      `${mode}: findOne@${BIG / 1000}k / findOne@${SMALL / 1000}k = ${(ratio * 100).toFixed(0)}% (target >= 70%)`,
    );
  }
  const memInsert = Math.min(pick('memory', 'insertOne', SMALL), pick('memory', 'insertOne', BIG));
  const jInsert = Math.min(pick('journal', 'insertOne', SMALL), pick('journal', 'insertOne', BIG));
  console.log(
    `in-memory inserts: ${Math.round(memInsert)}/s (target >= 3000); journaled inserts: ${Math.round(jInsert)}/s (target >= 1500)`,
  );
  if (process.env.BENCH_DB_AUDIT === '0') return;
  const audit = await runAuditRows();
  console.log('audit_logs rows: the bin in its own process, journaled; CPU from its serverStatus');
  console.table(
    audit.map((r) => ({
      row: r.row,
      value: Number(r.value.toFixed(2)),
      unit: r.unit,
      'rounds / detail': r.detail,
    })),
  );
  console.log(JSON.stringify({ rows, audit }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
