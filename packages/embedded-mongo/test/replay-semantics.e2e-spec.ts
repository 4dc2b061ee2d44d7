import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decimal128, Long, MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { REAL_MONGO_URI } from './target';

/* Collations and exact numbers survive a restart: the journal replays them with their meaning. */

const describeEmbedded = REAL_MONGO_URI ? describe.skip : describe;
const S2 = { locale: 'en_US', strength: 2 };

describeEmbedded('collation and exact numbers after a journal replay', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'emb-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = async () => {
    const srv = await startEmbeddedMongo({ dataDir: dir, logger: false });
    const client = await new MongoClient(srv.uri).connect();
    return {
      db: client.db('app'),
      close: async () => {
        await client.close();
        await srv.stop();
      },
    };
  };

  it('keeps collated indexes, collection defaults and int64/Decimal128 values', async () => {
    const first = await open();
    await first.db.createCollection('folded', { collation: S2 });
    await first.db.collection('folded').insertOne({ _id: 'Ann' as never });
    const users = first.db.collection('users');
    await users.createIndex({ name: 1 }, { unique: true, collation: S2 });
    await users.insertOne({ name: 'ping' });
    const nums = first.db.collection('nums');
    await nums.createIndex({ v: 1 }, { unique: true });
    await nums.insertMany([
      { _id: 1 as never, v: 9007199254740992 },
      { _id: 2 as never, v: Long.fromString('9007199254740993') },
      { _id: 3 as never, v: Decimal128.fromString('2.50') },
    ]);
    await first.close();

    const second = await open();
    const dupId = await second.db
      .collection('folded')
      .insertOne({ _id: 'ANN' as never })
      .catch((e: unknown) => e);
    expect(dupId).toMatchObject({ code: 11000 });
    expect(await second.db.collection('folded').countDocuments({ _id: 'aNN' as never })).toBe(1);
    const dup = await second.db
      .collection('users')
      .insertOne({ name: 'PING' })
      .catch((e: unknown) => e);
    expect(dup).toMatchObject({ code: 11000 });
    const n = second.db.collection('nums');
    const exact = await n.find({ v: Long.fromString('9007199254740993') }).toArray();
    expect(exact.map((d) => d._id as unknown)).toEqual([2]);
    expect(await n.insertOne({ v: 2.5 }).catch((e: unknown) => e)).toMatchObject({ code: 11000 });
    expect(await n.insertOne({ v: Long.fromString('9007199254740994') })).toMatchObject({
      acknowledged: true,
    });
    expect((await n.find().sort({ v: 1 }).toArray()).map((d) => d._id as unknown)).toEqual([
      3,
      1,
      2,
      expect.anything(),
    ]);
    await second.close();
  });
});
