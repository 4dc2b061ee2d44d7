import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, MongoServerError, type Db, type Document } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { itEmbedded, openTarget, type Target } from './target';

/* collMod: an index's TTL and the collection's validation options, changed in place. */

describe('collMod', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('coll_mod');
  });
  afterAll(() => t.close());

  const ttlOf = async (db: Db, coll: string, name: string): Promise<unknown> =>
    (await db.collection(coll).listIndexes().toArray()).find((i) => i.name === name)
      ?.expireAfterSeconds;

  it('changes an index TTL by key pattern or by name, and reports old and new', async () => {
    await t.db.createCollection('ttl');
    await t.db.collection('ttl').createIndex({ at: 1 }, { expireAfterSeconds: 3600, name: 'at_1' });
    await t.db.collection('ttl').insertOne({ at: new Date(), k: 1 });
    const r = await t.db.command({
      collMod: 'ttl',
      index: { keyPattern: { at: 1 }, expireAfterSeconds: 60 },
    });
    expect(r).toMatchObject({ expireAfterSeconds_old: 3600, expireAfterSeconds_new: 60, ok: 1 });
    expect(await ttlOf(t.db, 'ttl', 'at_1')).toBe(60);
    await t.db.command({ collMod: 'ttl', index: { name: 'at_1', expireAfterSeconds: 120 } });
    expect(await ttlOf(t.db, 'ttl', 'at_1')).toBe(120);
    expect(await t.db.collection('ttl').countDocuments()).toBe(1);
  });

  it('sets validation options, visible in listCollections', async () => {
    await t.db.createCollection('validated');
    const validator = { $jsonSchema: { bsonType: 'object', required: ['name'] } };
    const r = await t.db.command({
      collMod: 'validated',
      validator,
      validationLevel: 'moderate',
      validationAction: 'warn',
    });
    expect(r.ok).toBe(1);
    const [info] = (await t.db.listCollections({ name: 'validated' }).toArray()) as Document[];
    expect(info.options).toMatchObject({
      validator,
      validationLevel: 'moderate',
      validationAction: 'warn',
    });
  });

  it('hides and unhides an index: listed as hidden, still unique', async () => {
    const c = t.db.collection('hidden');
    await c.createIndex({ k: 1 }, { unique: true, name: 'k_1' });
    await c.insertOne({ k: 1 });
    const hidden = await t.db.command({ collMod: 'hidden', index: { name: 'k_1', hidden: true } });
    expect(hidden).toMatchObject({ hidden_old: false, hidden_new: true, ok: 1 });
    const listed = await c.listIndexes().toArray();
    expect(listed.find((i) => i.name === 'k_1')).toMatchObject({ key: { k: 1 }, hidden: true });
    expect(await c.insertOne({ k: 1 }).catch((e: unknown) => e)).toMatchObject({ code: 11000 });
    expect(await c.countDocuments({ k: 1 })).toBe(1);
    const shown = await t.db.command({
      collMod: 'hidden',
      index: { keyPattern: { k: 1 }, hidden: false },
    });
    expect(shown).toMatchObject({ hidden_old: true, hidden_new: false, ok: 1 });
    const again = (await c.listIndexes().toArray()).find((i) => i.name === 'k_1');
    expect(again?.hidden).toBeUndefined();
  });

  itEmbedded('a hidden index is not used by the planner', async () => {
    const c = t.db.collection('hidden_plan');
    await c.createIndex({ k: 1 }, { name: 'k_1' });
    await c.insertMany([{ k: 1 }, { k: 2 }]);
    const plan = async () =>
      (await t.db.command({ explain: { find: 'hidden_plan', filter: { k: 1 } } })).queryPlanner
        .winningPlan;
    expect(await plan()).toMatchObject({ inputStage: { stage: 'IXSCAN', indexName: 'k_1' } });
    await t.db.command({ collMod: 'hidden_plan', index: { name: 'k_1', hidden: true } });
    expect(await plan()).toEqual({ stage: 'COLLSCAN' });
  });

  it('gives a view another definition (viewOn, pipeline)', async () => {
    await t.db.collection('view_src_a').insertMany([{ _id: 1 as never, k: 'a' }]);
    await t.db.collection('view_src_b').insertMany([{ _id: 2 as never, k: 'b' }]);
    await t.db.createCollection('redefined', { viewOn: 'view_src_a', pipeline: [] });
    expect(await t.db.collection('redefined').find().toArray()).toEqual([{ _id: 1, k: 'a' }]);
    const pipeline = [{ $project: { _id: 1 } }];
    const r = await t.db.command({ collMod: 'redefined', viewOn: 'view_src_b', pipeline });
    expect(r.ok).toBe(1);
    expect(await t.db.collection('redefined').find().toArray()).toEqual([{ _id: 2 }]);
    const [info] = (await t.db.listCollections({ name: 'redefined' }).toArray()) as Document[];
    expect(info.options).toEqual({ viewOn: 'view_src_b', pipeline });
  });

  it('fails on a missing collection (NamespaceNotFound) and a missing index (IndexNotFound)', async () => {
    const missing = await t.db.command({ collMod: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MongoServerError);
    expect(missing).toMatchObject({ code: 26 });
    await t.db.createCollection('noindex');
    const noIndex = await t.db
      .command({ collMod: 'noindex', index: { keyPattern: { zz: 1 }, expireAfterSeconds: 5 } })
      .catch((e: unknown) => e);
    expect(noIndex).toMatchObject({ code: 27 });
  });

  itEmbedded('is journaled: a restart keeps the new TTL and options', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'emb-collmod-'));
    try {
      const first = await startEmbeddedMongo({ dataDir: dir, logger: false });
      let client = await new MongoClient(first.uri).connect();
      const db = client.db('app');
      await db.collection('c').createIndex({ at: 1 }, { expireAfterSeconds: 10 });
      await db.command({
        collMod: 'c',
        index: { keyPattern: { at: 1 }, expireAfterSeconds: 99 },
        validationLevel: 'off',
      });
      await client.close();
      await first.stop();
      const second = await startEmbeddedMongo({ dataDir: dir, logger: false });
      client = await new MongoClient(second.uri).connect();
      expect(await ttlOf(client.db('app'), 'c', 'at_1')).toBe(99);
      const [info] = (await client
        .db('app')
        .listCollections({ name: 'c' })
        .toArray()) as Document[];
      expect(info.options).toMatchObject({ validationLevel: 'off' });
      await client.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
