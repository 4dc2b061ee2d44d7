import { MongoServerError, type Collection, type Document } from 'mongodb';
import { itEmbedded, openTarget, type Target } from './target';

function dupMessage(t: Target, coll: string, index: string, shown: string): string {
  return `E11000 duplicate key error collection: ${t.dbName}.${coll} index: ${index} dup key: { ${shown} }`;
}

describe('indexes', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('indexes', { ttlIntervalMs: 200 });
  });
  afterAll(() => t.close());

  it('createIndexes / listIndexes / dropIndexes', async () => {
    const c = t.db.collection('ix');
    const r = await t.db.command({
      createIndexes: 'ix',
      indexes: [
        { key: { a: 1 }, name: 'a_1' },
        { key: { b: -1, c: 1 }, name: 'b_-1_c_1', unique: true },
      ],
    });
    expect(r).toMatchObject({
      ok: 1,
      numIndexesBefore: 1,
      numIndexesAfter: 3,
      createdCollectionAutomatically: true,
    });
    const again = await t.db.command({
      createIndexes: 'ix',
      indexes: [{ key: { a: 1 }, name: 'a_1' }],
    });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 3, numIndexesAfter: 3 });
    const conflict = await t.db
      .command({ createIndexes: 'ix', indexes: [{ key: { z: 1 }, name: 'a_1' }] })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(MongoServerError);
    const list = await c.listIndexes().toArray();
    expect(list.map((i) => i.name)).toEqual(['_id_', 'a_1', 'b_-1_c_1']);
    expect(list[2]).toMatchObject({ key: { b: -1, c: 1 }, unique: true, v: 2 });
    await c.dropIndex('a_1');
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'b_-1_c_1']);
    await expect(c.dropIndex('nope')).rejects.toMatchObject({ code: 27 });
    await c.dropIndexes();
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  describe('unique', () => {
    let u: Collection<Document>;
    beforeAll(async () => {
      u = t.db.collection('users');
      await u.createIndex({ email: 1 }, { unique: true });
      await u.createIndex({ tenant: 1, login: 1 }, { unique: true, name: 'tenant_login' });
      await u.createIndex({ nick: 1 }, { unique: true, sparse: true });
      await u.createIndex(
        { code: 1 },
        { unique: true, partialFilterExpression: { active: true }, name: 'active_code' },
      );
    });
    beforeEach(() => u.deleteMany({}));

    it('rejects a duplicate on insert with code, message, keyPattern and keyValue', async () => {
      await u.insertOne({ email: 'a@x', tenant: 't', login: 'l1' });
      const err = (await u
        .insertOne({ email: 'a@x', tenant: 't', login: 'l2' })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(11000);
      expect(err.message).toBe(dupMessage(t, 'users', 'email_1', 'email: "a@x"'));
      expect(err.keyPattern).toEqual({ email: 1 });
      expect(err.keyValue).toEqual({ email: 'a@x' });
    });

    it('enforces compound uniqueness', async () => {
      await u.insertOne({ email: 'a', tenant: 't1', login: 'x' });
      await u.insertOne({ email: 'b', tenant: 't2', login: 'x' });
      const err = (await u
        .insertOne({ email: 'c', tenant: 't1', login: 'x' })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err.code).toBe(11000);
      expect(err.message).toBe(dupMessage(t, 'users', 'tenant_login', 'tenant: "t1", login: "x"'));
      expect(err.keyPattern).toEqual({ tenant: 1, login: 1 });
      expect(err.keyValue).toEqual({ tenant: 't1', login: 'x' });
    });

    it('treats missing fields as null on a non-sparse unique index', async () => {
      await u.insertOne({ tenant: 'a', login: '1' });
      const err = (await u
        .insertOne({ tenant: 'a', login: '2' })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err.code).toBe(11000);
      expect(err.keyValue).toEqual({ email: null });
    });

    it('sparse unique ignores documents without the field', async () => {
      await u.insertMany([
        { email: '1', tenant: 'a', login: '1' },
        { email: '2', tenant: 'a', login: '2' },
      ]);
      await u.insertOne({ email: '3', tenant: 'a', login: '3', nick: 'n' });
      await expect(
        u.insertOne({ email: '4', tenant: 'a', login: '4', nick: 'n' }),
      ).rejects.toMatchObject({ code: 11000, keyValue: { nick: 'n' } });
    });

    it('partial unique only applies to documents matching the filter', async () => {
      await u.insertMany([
        { email: '1', tenant: 'a', login: '1', code: 'c', active: false },
        { email: '2', tenant: 'a', login: '2', code: 'c', active: true },
      ]);
      await expect(
        u.insertOne({ email: '3', tenant: 'a', login: '3', code: 'c', active: true }),
      ).rejects.toMatchObject({ code: 11000 });
      await u.insertOne({ email: '4', tenant: 'a', login: '4', code: 'c', active: false });
    });

    it('enforces uniqueness on update, upsert and findAndModify', async () => {
      await u.insertMany([
        { email: 'a', tenant: 'a', login: '1' },
        { email: 'b', tenant: 'a', login: '2' },
      ]);
      await expect(u.updateOne({ email: 'b' }, { $set: { email: 'a' } })).rejects.toMatchObject({
        code: 11000,
        keyValue: { email: 'a' },
      });
      await expect(
        u.updateOne({ email: 'zz' }, { $set: { tenant: 'a', login: '1' } }, { upsert: true }),
      ).rejects.toMatchObject({ code: 11000, keyPattern: { tenant: 1, login: 1 } });
      const fam = (await u
        .findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(fam).toBeInstanceOf(MongoServerError);
      expect(fam.code).toBe(11000);
      expect(fam.keyValue).toEqual({ email: 'a' });
      expect(await u.findOne({ email: 'b' })).not.toBeNull();
      const raw = await t.db.command({
        update: 'users',
        updates: [{ q: { email: 'b' }, u: { $set: { email: 'a' } } }],
      });
      expect(raw.writeErrors[0]).toMatchObject({
        index: 0,
        code: 11000,
        keyPattern: { email: 1 },
        keyValue: { email: 'a' },
      });
      expect(raw.writeErrors[0].errmsg).toBe(dupMessage(t, 'users', 'email_1', 'email: "a"'));
    });

    it('refuses to build a unique index over duplicates', async () => {
      const d = t.db.collection('dups');
      await d.insertMany([{ k: 1 }, { k: 1 }]);
      await expect(d.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({
        code: 11000,
      });
    });
  });

  it('TTL index removes expired documents (dates and arrays of dates)', async () => {
    const s = t.db.collection('sessions');
    await s.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
    const old = new Date(Date.now() - 60_000);
    await s.insertMany([
      { name: 'old', at: old },
      { name: 'oldArray', at: [new Date(), old] },
      { name: 'fresh', at: new Date(Date.now() + 3_600_000) },
      { name: 'noDate', at: 'not a date' },
    ]);
    // mongod's TTL monitor runs every 60 s; the embedded one runs every 200 ms in this suite.
    const deadline = Date.now() + (t.embedded ? 5_000 : 75_000);
    while (Date.now() < deadline && (await s.countDocuments()) > 2)
      await new Promise((r) => setTimeout(r, 100));
    expect((await s.find({}, { sort: { name: 1 } }).toArray()).map((d) => d.name)).toEqual([
      'fresh',
      'noDate',
    ]);
  }, 90_000);

  itEmbedded(
    'uses indexes: an equality lookup on 10k documents examines only the match',
    async () => {
      const big = t.db.collection('big');
      await big.createIndex({ email: 1 }, { unique: true });
      await big.createIndex({ n: 1 });
      await big.insertMany(
        Array.from({ length: 10_000 }, (_, i) => ({ email: `u${i}@x`, n: i, g: i % 10 })),
      );
      const explain = async (filter: Document): Promise<Document> =>
        (await t.db.command({ explain: { find: 'big', filter }, verbosity: 'executionStats' }))
          .executionStats as Document;
      expect(await explain({ email: 'u5000@x' })).toMatchObject({
        nReturned: 1,
        totalDocsExamined: 1,
      });
      expect(await explain({ email: { $in: ['u1@x', 'u2@x'] } })).toMatchObject({
        nReturned: 2,
        totalDocsExamined: 2,
      });
      expect(await explain({ n: { $gte: 100, $lt: 110 } })).toMatchObject({
        nReturned: 10,
        totalDocsExamined: 10,
      });
      expect(await explain({ n: { $gt: 9995 } })).toMatchObject({
        nReturned: 4,
        totalDocsExamined: 4,
      });
      expect(await explain({ $and: [{ g: 3 }, { n: 3 }] })).toMatchObject({
        nReturned: 1,
        totalDocsExamined: 1,
      });
      const id = (await big.findOne({ n: 42 }))!._id;
      expect(await explain({ _id: id })).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
      expect((await explain({ g: 3 })).totalDocsExamined).toBe(10_000);
    },
  );
});
