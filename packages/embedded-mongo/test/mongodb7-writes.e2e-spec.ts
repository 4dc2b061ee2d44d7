import { MongoServerError, type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* Write-path behaviour where MongoDB 7.0 has rules of its own: _id values, statement fields, pipelines. */

describe('MongoDB 7.0 write semantics', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('mdb7_writes');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection(
      `c_${expect.getState().currentTestName?.replace(/\W+/g, '_').slice(0, 40)}`,
    );
    await c.deleteMany({});
  });

  it('stores an _id of null as null on insert (no ObjectId in its place), once', async () => {
    // A raw command: the driver itself would replace a null _id before sending it.
    const r = await t.db.command({ insert: c.collectionName, documents: [{ _id: null, a: 1 }] });
    expect(r).toMatchObject({ n: 1, ok: 1 });
    expect(await c.find().toArray()).toEqual([{ _id: null, a: 1 }]);
    const dup = await t.db.command({ insert: c.collectionName, documents: [{ _id: null, a: 2 }] });
    expect(dup.writeErrors).toMatchObject([{ index: 0, code: 11000 }]);
  });

  it('upserts an _id of null from the query as null', async () => {
    const nullId: Document = { _id: null };
    const r = await c.updateOne(nullId, { $set: { a: 1 } }, { upsert: true });
    expect(r.upsertedId).toBeNull();
    expect(r.upsertedCount).toBe(1);
    expect(await c.find().toArray()).toEqual([{ _id: null, a: 1 }]);
    await c.updateOne(nullId, { $inc: { a: 1 } }, { upsert: true });
    expect(await c.find().toArray()).toEqual([{ _id: null, a: 2 }]);
  });

  it('refuses a $-prefixed field inside _id with DollarPrefixedFieldName', async () => {
    const err = await c.insertOne({ _id: { $a: 1 } as never, x: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 52 });
    expect((err as Error).message).toBe(
      "_id fields may not contain '$'-prefixed fields: $a is not valid for storage.",
    );
    const nested = await c.insertOne({ _id: { k: { $b: 1 } } as never }).catch((e: unknown) => e);
    expect(nested).toMatchObject({ code: 52 });
    const viaUpsert = await c
      .replaceOne({ x: 1 }, { _id: { $c: 1 }, v: 1 }, { upsert: true })
      .catch((e: unknown) => e);
    expect(viaUpsert).toMatchObject({ code: 52 });
    expect(await c.countDocuments()).toBe(0);
    // A $ inside a value (not a field name) is fine.
    await c.insertOne({ _id: { a: '$b' } as never });
    expect(await c.countDocuments()).toBe(1);
  });

  it('refuses an update statement with sort (a MongoDB 8.0 field) as an unknown field', async () => {
    await c.insertMany([{ n: 1 }, { n: 2 }]);
    const err = await t.db
      .command({
        update: c.collectionName,
        updates: [{ q: {}, u: { $set: { hit: true } }, sort: { n: -1 } }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 40415 });
    expect((err as Error).message).toBe("BSON field 'update.updates.sort' is an unknown field.");
    expect(await c.countDocuments({ hit: true })).toBe(0);
  });

  it('keeps _id when a pipeline update replaces the root without it', async () => {
    const { insertedId } = await c.insertOne({ a: { b: 1, c: 2 }, old: true });
    const r = await c.updateOne({ _id: insertedId }, [{ $replaceRoot: { newRoot: '$a' } }]);
    expect(r.modifiedCount).toBe(1);
    expect(await c.find().toArray()).toEqual([{ _id: insertedId, b: 1, c: 2 }]);
    await c.updateOne({ _id: insertedId }, [{ $replaceWith: { z: '$b' } }]);
    expect(await c.find().toArray()).toEqual([{ _id: insertedId, z: 1 }]);
    // Changing it is still refused.
    const err = await c
      .updateOne({ _id: insertedId }, [{ $replaceWith: { _id: 5, z: 1 } }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 66 });
  });
});
