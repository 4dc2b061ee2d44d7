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
