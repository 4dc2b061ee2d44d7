import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { itEmbedded, openTarget, type Target } from './target';

/* Time-series collections do not enforce unique _id values (mongod stores them in buckets). */

describe('time-series collections', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('timeseries');
  });
  afterAll(() => t.close());

  it('accepts documents that share an _id, and reads, updates and deletes them', async () => {
    const ts = await t.db.createCollection('readings', {
      timeseries: { timeField: 't', metaField: 'm' },
    });
    const at = new Date('2026-01-01T00:00:00Z');
    await ts.insertOne({ _id: 1 as never, t: at, m: 'a', v: 1 });
    await ts.insertOne({ _id: 1 as never, t: at, m: 'a', v: 2 });
    await ts.insertMany([
      { _id: 2 as never, t: at, m: 'b', v: 3 },
      { _id: 2 as never, t: at, m: 'b', v: 4 },
    ]);
    expect(await ts.countDocuments()).toBe(4);
    const ones = await ts
      .find({ _id: 1 as never })
      .sort({ v: 1 })
      .toArray();
    expect(ones.map((d) => d.v as unknown)).toEqual([1, 2]);
    await ts.updateMany({ m: 'b' }, { $set: { m: 'c' } });
    expect(await ts.countDocuments({ m: 'c' })).toBe(2);
    expect((await ts.deleteMany({ _id: 1 as never, v: 2 })).deletedCount).toBe(1);
    expect((await ts.find().sort({ v: 1 }).toArray()).map((d) => d.v as unknown)).toEqual([
      1, 3, 4,
    ]);
  });

  itEmbedded('replays shared _ids, updates and deletes from the journal', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'emb-ts-'));
    try {
      const open = async () => {
        const srv = await startEmbeddedMongo({ dataDir: dir, logger: false });
        const client = await new MongoClient(srv.uri).connect();
        const coll = client.db('app').collection('readings');
        return { srv, client, coll };
      };
      const first = await open();
      await first.client.db('app').createCollection('readings', { timeseries: { timeField: 't' } });
      const t0 = new Date(0);
      await first.coll.insertMany([1, 2, 3].map((v) => ({ _id: 7 as never, t: t0, v })));
      await first.coll.updateOne({ v: 2 }, { $set: { v: 20 } });
      await first.coll.deleteOne({ v: 3 });
      await first.client.close();
      await first.srv.stop();

      const second = await open();
      const docs = await second.coll
        .find({}, { projection: { _id: 1, v: 1 } })
        .sort({ v: 1 })
        .toArray();
      expect(docs).toEqual([
        { _id: 7, v: 1 },
        { _id: 7, v: 20 },
      ]);
      await second.client.close();
      await second.srv.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
