import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { exited, startCli } from './cli-process';
import { REAL_MONGO_URI } from './target';

/* Crash recovery and clean shutdown of the standalone server (the package's `embedded-mongo` bin). */

const describeEmbedded = REAL_MONGO_URI ? describe.skip : describe;

describeEmbedded('durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'emb-durability-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write across SIGKILL', async () => {
    const data = path.join(dir, 'data');
    const first = await startCli(data);
    const client = await new MongoClient(first.uri).connect();
    const coll = client.db('app').collection('items');
    await coll.createIndex({ key: 1 }, { unique: true });
    const N = 400;
    // Concurrent writers, so acknowledgements of group-committed batches are exercised too.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < N; i += 8)
          await coll.insertOne({ _id: i as never, key: `k${i}`, v: 0 });
      }),
    );
    await coll.updateMany({ _id: { $lt: 100 } as never }, { $set: { v: 1 } });
    await coll.deleteMany({ _id: { $gte: 350 } as never });
    await coll.findOneAndUpdate({ _id: 5 as never }, { $inc: { v: 10 } });
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    await client.close(true);

    const second = await startCli(data);
    const again = await new MongoClient(second.uri).connect();
    try {
      const c2 = again.db('app').collection('items');
      expect(await c2.countDocuments()).toBe(350);
      expect(await c2.countDocuments({ v: 1 })).toBe(99);
      expect(await c2.findOne({ _id: 5 as never })).toEqual({ _id: 5, key: 'k5', v: 11 });
      expect(await c2.findOne({ _id: 349 as never })).toEqual({ _id: 349, key: 'k349', v: 0 });
      await expect(c2.insertOne({ key: 'k1' })).rejects.toMatchObject({ code: 11000 });
      expect((await c2.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'key_1']);
    } finally {
      await again.close();
      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toEqual({ code: 0, signal: null });
    }
  }, 90_000);

  it('flushes and exits 0 on SIGINT; data survives', async () => {
    const data = path.join(dir, 'data');
    const first = await startCli(data);
    const client = await new MongoClient(first.uri).connect();
    await client
      .db('app')
      .collection('x')
      .insertMany(Array.from({ length: 50 }, (_, i) => ({ i })));
    await client.close();
    first.child.kill('SIGINT');
    expect(await exited(first.child)).toEqual({ code: 0, signal: null });
    const second = await startCli(data);
    const again = await new MongoClient(second.uri).connect();
    expect(await again.db('app').collection('x').countDocuments()).toBe(50);
    await again.close();
    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 90_000);

  it('runs in a worker thread with a data dir; stop() flushes and a restart sees the data', async () => {
    const data = path.join(dir, 'worker-data');
    const srv = await startEmbeddedMongo({ dataDir: data, inWorker: true, logger: false });
    const client = await new MongoClient(srv.uri).connect();
    await client
      .db('w')
      .collection('c')
      .insertMany(Array.from({ length: 20 }, (_, i) => ({ i })));
    await client.db('w').collection('c').createIndex({ i: 1 }, { unique: true });
    await client.close();
    await srv.stop();
    const again = await startEmbeddedMongo({ dataDir: data, logger: false });
    const c2 = await new MongoClient(again.uri).connect();
    try {
      expect(await c2.db('w').collection('c').countDocuments()).toBe(20);
      await expect(c2.db('w').collection('c').insertOne({ i: 3 })).rejects.toMatchObject({
        code: 11000,
      });
    } finally {
      await c2.close();
      await again.stop();
    }
  }, 90_000);

  it('compacts the journal and reloads from the snapshot, including writes made during compaction', async () => {
    const data = path.join(dir, 'compact-data');
    const srv = await startEmbeddedMongo({
      dataDir: data,
      logger: false,
      compactAfterRecords: 100,
    });
    // A journal that stops acknowledging must fail this test, not hang it.
    const client = await new MongoClient(srv.uri, { socketTimeoutMS: 15_000 }).connect();
    try {
      const c = client.db('k').collection('c');
      for (let i = 0; i < 30; i++) {
        await c.insertMany(Array.from({ length: 10 }, (_, j) => ({ i, j })));
      }
      // The 300th record triggered a compaction that may still run while these deletes land.
      await c.deleteMany({ i: { $lt: 10 } });
      await c.insertOne({ last: true });
    } finally {
      await client.close(true);
      await Promise.race([srv.stop(), new Promise((r) => setTimeout(r, 5_000))]);
    }
    const again = await startEmbeddedMongo({ dataDir: data, logger: false });
    const c2 = await new MongoClient(again.uri).connect();
    try {
      expect(await c2.db('k').collection('c').countDocuments()).toBe(201);
      expect(
        await c2
          .db('k')
          .collection('c')
          .countDocuments({ i: { $lt: 10 } }),
      ).toBe(0);
    } finally {
      await c2.close();
      await again.stop();
    }
  }, 60_000);
});
