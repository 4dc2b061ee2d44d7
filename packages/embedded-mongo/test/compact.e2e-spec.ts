import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { itEmbedded, openTarget, type Target } from './target';

/* compact: mongod's answer, and (embedded) a snapshot written while writes go on. */

describe('compact', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('compact');
  });
  afterAll(() => t.close());

  it('answers {bytesFreed, ok: 1} for an existing collection', async () => {
    await t.db.collection('c').insertMany(Array.from({ length: 100 }, (_, i) => ({ i })));
    const r = await t.db.command({ compact: 'c' });
    expect(r).toEqual({ bytesFreed: expect.any(Number), ok: 1 });
    expect(r.bytesFreed).toBeGreaterThanOrEqual(0);
    expect(await t.db.collection('c').countDocuments()).toBe(100);
  });

  it('refuses a collection that does not exist with NamespaceNotFound', async () => {
    const err = (await t.db.command({ compact: 'missing' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 26, codeName: 'NamespaceNotFound' });
  });

  itEmbedded(
    'frees the superseded journal and keeps writes made during it across a restart',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'compact-e2e-'));
      try {
        let srv = await startEmbeddedMongo({ dataDir: dir, logger: false });
        let client = await new MongoClient(srv.uri).connect();
        let coll = client.db('app').collection<{ _id: number; n: number; v?: number }>('items');
        await coll.createIndex({ n: 1 });
        await coll.insertMany(Array.from({ length: 5_000 }, (_, i) => ({ _id: i, n: i, v: 0 })));
        await coll.updateMany({}, { $set: { v: 1 } }); // every record is superseded once
        const [r] = await Promise.all([
          client.db('app').command({ compact: 'items' }),
          ...Array.from({ length: 50 }, (_, i) => coll.insertOne({ _id: 10_000 + i, n: -i })),
          coll.deleteOne({ _id: 0 }),
        ]);
        expect(r.ok).toBe(1);
        expect(r.bytesFreed).toBeGreaterThan(0);
        const files = readdirSync(dir).filter((f) => f !== 'mongod.lock');
        expect(files.filter((f) => f.startsWith('snapshot-'))).toHaveLength(1);
        expect(files.filter((f) => f.startsWith('journal-'))).toHaveLength(1);
        await client.close();
        await srv.stop();

        srv = await startEmbeddedMongo({ dataDir: dir, logger: false });
        client = await new MongoClient(srv.uri).connect();
        coll = client.db('app').collection<{ _id: number; n: number; v?: number }>('items');
        expect(await coll.countDocuments()).toBe(5_049);
        expect(await coll.countDocuments({ v: 1 })).toBe(4_999);
        expect(await coll.findOne({ _id: 0 })).toBeNull();
        expect(await coll.countDocuments({ n: { $lt: 0 } })).toBe(49); // n: -0 is 0
        expect((await coll.indexes()).map((i) => i.name).sort()).toEqual(['_id_', 'n_1']);
        await client.close();
        await srv.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
