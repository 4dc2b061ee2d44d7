import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateObjectSize } from 'bson';
import { MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { REAL_MONGO_URI } from './target';

/* The bound on data held in memory: refused writes, nothing lost, the figure in serverStatus. */

const describeEmbedded = REAL_MONGO_URI ? describe.skip : describe;
const LIMIT_MB = 1;
const LIMIT = LIMIT_MB * 1024 * 1024;
const payload = 'x'.repeat(10_000);

describeEmbedded('memory limit (maxDataMb)', () => {
  let dir: string;
  let srv: EmbeddedMongo | undefined;
  let client: MongoClient | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'emb-memlimit-'));
  });
  afterEach(async () => {
    await client?.close();
    await srv?.stop();
    client = srv = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<MongoClient> {
    srv = await startEmbeddedMongo({ dataDir: dir, maxDataMb: LIMIT_MB, logger: false });
    client = await new MongoClient(srv.uri).connect();
    return client;
  }

  async function embeddedStatus(
    c: MongoClient,
  ): Promise<{ dataBytes: number; maxDataBytes: number }> {
    const status = await c.db('admin').command({ serverStatus: 1 });
    return status.embedded as { dataBytes: number; maxDataBytes: number };
  }

  it('refuses the write past the limit with ExceededMemoryLimit, keeps serving, loses nothing', async () => {
    const c = await open();
    const items = c.db('app').collection<{ _id: number; payload: string }>('items');
    let acked = 0;
    let refused: unknown;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      try {
        await items.insertOne({ _id: i, payload });
        acked++;
      } catch (err) {
        refused = err;
      }
    }
    expect(refused).toBeInstanceOf(MongoServerError);
    expect(refused).toMatchObject({ code: 146 });
    expect((refused as Error).message).toMatch(
      /^write to app\.items refused: it would raise the data held in memory to \d+ bytes, over the embedded server's limit of 1048576 bytes \(1 MB, maxDataMb \/ --max-data-mb\)$/,
    );
    const docSize = calculateObjectSize({ _id: 0, payload });
    expect(acked).toBe(Math.floor(LIMIT / docSize));

    // An update that grows a document is refused the same way; one that shrinks it is not.
    await expect(
      items.updateOne({ _id: 0 }, { $set: { payload: payload + payload } }),
    ).rejects.toMatchObject({ code: 146 });
    await items.updateOne({ _id: 1 }, { $set: { payload: 'short' } });
    // An ordered batch stops at the first refused document, the ones before it are stored.
    const batch = await items
      .insertMany(
        Array.from({ length: 5 }, (_, k) => ({ _id: 1000 + k, payload })),
        { ordered: true },
      )
      .catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(MongoBulkWriteError);
    const bulk = batch as MongoBulkWriteError;
    expect(bulk.writeErrors).toMatchObject([{ code: 146 }]);
    const batchStored = bulk.result.insertedCount;

    // Everything acknowledged reads back intact, and the server still answers.
    expect(await c.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
    const all = await items.find({}, { sort: { _id: 1 } }).toArray();
    expect(all).toHaveLength(acked + batchStored);
    expect(all[0]).toEqual({ _id: 0, payload });
    expect(all[1]).toEqual({ _id: 1, payload: 'short' });
    for (const d of all.slice(2)) expect(d.payload).toBe(payload);

    const status = await embeddedStatus(c);
    expect(status.maxDataBytes).toBe(LIMIT);
    const stored = all.reduce((a, d) => a + calculateObjectSize(d), 0);
    expect(status.dataBytes).toBe(stored);
    expect(status.dataBytes).toBeLessThanOrEqual(LIMIT);

    // Deleting frees room again.
    await items.deleteMany({ _id: { $lt: 10 } });
    await items.insertOne({ _id: 5000, payload });
    expect((await embeddedStatus(c)).dataBytes).toBeLessThan(stored);

    // A restart replays the journal and holds exactly what was acknowledged.
    const expected = await items.find({}, { sort: { _id: 1 } }).toArray();
    await c.close();
    await srv!.stop();
    const again = await open();
    expect(
      await again
        .db('app')
        .collection('items')
        .find({}, { sort: { _id: 1 } })
        .toArray(),
    ).toEqual(expected);
  }, 60_000);

  it('dropping a collection gives its bytes back', async () => {
    const c = await open();
    const db = c.db('app');
    await db.collection('a').insertMany(Array.from({ length: 50 }, (_, i) => ({ i, payload })));
    const before = (await embeddedStatus(c)).dataBytes;
    expect(before).toBeGreaterThan(50 * 10_000);
    await db.collection('a').drop();
    expect((await embeddedStatus(c)).dataBytes).toBe(0);
    await db.collection('b').insertMany(Array.from({ length: 50 }, (_, i) => ({ i, payload })));
    await db.dropDatabase();
    expect((await embeddedStatus(c)).dataBytes).toBe(0);
  }, 60_000);
});
