import {
  Binary,
  Decimal128,
  Long,
  MongoBulkWriteError,
  ObjectId,
  type Collection,
  type Document,
} from 'mongodb';
import { openTarget, type Target } from './target';

describe('CRUD through the raw driver', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('crud');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection(
      `c_${expect.getState().currentTestName?.replace(/\W+/g, '_').slice(0, 40)}`,
    );
    await c.deleteMany({});
  });

  it('inserts with generated ObjectId _id and finds with filter, sort, skip, limit, projection', async () => {
    const r = await c.insertMany([
      { name: 'a', n: 3, tags: ['x'] },
      { name: 'b', n: 1, tags: ['x', 'y'] },
      { name: 'c', n: 2, sub: { k: 1 } },
      { name: 'd', n: 5 },
    ]);
    expect(r.insertedCount).toBe(4);
    expect(Object.values(r.insertedIds).every((id) => id instanceof ObjectId)).toBe(true);
    const sorted = await c
      .find(
        { n: { $gte: 2 } },
        { sort: { n: -1 }, skip: 1, limit: 2, projection: { _id: 0, name: 1 } },
      )
      .toArray();
    expect(sorted).toEqual([{ name: 'a' }, { name: 'c' }]);
    expect(await c.find({ tags: 'y' }).project({ _id: 0, name: 1 }).toArray()).toEqual([
      { name: 'b' },
    ]);
    expect(await c.find({ 'sub.k': 1 }).project({ name: 1, _id: 0 }).toArray()).toEqual([
      { name: 'c' },
    ]);
    const excl = await c.findOne({ name: 'c' }, { projection: { sub: 0, _id: 0 } });
    expect(excl).toEqual({ name: 'c', n: 2 });
    expect(
      await c
        .find({ $or: [{ n: 1 }, { n: 5 }] }, { sort: { name: 1 } })
        .map((d) => d.name)
        .toArray(),
    ).toEqual(['b', 'd']);
    expect(await c.findOne({ name: { $regex: '^d' } })).toMatchObject({ n: 5 });
  });

  it('compares ObjectId, Binary, Long, Decimal128 and Date values in queries', async () => {
    const id = new ObjectId();
    const bin = new Binary(Buffer.from('abc'));
    const when = new Date('2024-01-01T00:00:00Z');
    await c.insertMany([
      {
        _id: id,
        bin,
        big: Long.fromString('9007199254740993'),
        dec: Decimal128.fromString('1.5'),
        when,
      },
      { other: true, when: new Date('2025-01-01T00:00:00Z') },
    ]);
    expect(await c.countDocuments({ _id: new ObjectId(id.toHexString()) })).toBe(1);
    expect(await c.countDocuments({ bin: new Binary(Buffer.from('abc')) })).toBe(1);
    expect(await c.countDocuments({ when: { $lt: new Date('2024-06-01T00:00:00Z') } })).toBe(1);
    const back = await c.findOne({ _id: id });
    expect(back?.bin).toBeInstanceOf(Binary);
    expect(back?.dec).toBeInstanceOf(Decimal128);
    expect(String(back?.big)).toBe('9007199254740993');
  });

  it('rejects a duplicate _id with E11000 and keeps ordered/unordered semantics', async () => {
    await c.insertOne({ _id: 1 as never, v: 1 });
    const ordered = await c
      .insertMany([{ _id: 2 as never }, { _id: 1 as never }, { _id: 3 as never }])
      .catch((e: unknown) => e);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    const oe = ordered as MongoBulkWriteError;
    expect(oe.code).toBe(11000);
    expect(oe.insertedCount).toBe(1);
    expect(oe.writeErrors).toBeDefined();
    expect(await c.countDocuments()).toBe(2);
    const unordered = (await c
      .insertMany([{ _id: 4 as never }, { _id: 1 as never }, { _id: 5 as never }], {
        ordered: false,
      })
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(unordered.insertedCount).toBe(2);
    expect(await c.countDocuments()).toBe(4);
    const raw = await t.db.command({
      insert: c.collectionName,
      documents: [{ _id: 1 }, { _id: 6 }],
      ordered: false,
    });
    expect(raw.n).toBe(1);
    expect(raw.writeErrors).toHaveLength(1);
    expect(raw.writeErrors[0]).toMatchObject({
      index: 0,
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 1 },
    });
    expect(raw.writeErrors[0].errmsg).toBe(
      `E11000 duplicate key error collection: ${t.dbName}.${c.collectionName} index: _id_ dup key: { _id: 1 }`,
    );
  });

  it('applies $set $unset $inc $min $max $rename $currentDate', async () => {
    await c.insertOne({ _id: 1 as never, a: 1, b: 2, lo: 5, hi: 5, old: 'x', nested: { k: 1 } });
    const r = await c.updateOne(
      { _id: 1 as never },
      {
        $set: { 'nested.j': 2, s: 'v' },
        $unset: { b: '' },
        $inc: { a: 2 },
        $min: { lo: 3 },
        $max: { hi: 9 },
        $rename: { old: 'renamed' },
        $currentDate: { at: true },
      },
    );
    expect(r).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const d = await c.findOne({ _id: 1 as never });
    expect(d).toMatchObject({ a: 3, lo: 3, hi: 9, renamed: 'x', s: 'v', nested: { k: 1, j: 2 } });
    expect(d).not.toHaveProperty('b');
    expect(d).not.toHaveProperty('old');
    expect(d?.at).toBeInstanceOf(Date);
    const noop = await c.updateOne({ _id: 1 as never }, { $set: { a: 3 } });
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('applies $push $pull $addToSet (with $each) and positional $', async () => {
    const a = t.db.collection<{
      _id: number;
      arr: number[];
      set: string[];
      items: { k: number; v: number }[];
    }>(c.collectionName);
    await a.insertOne({
      _id: 1,
      arr: [1, 2],
      set: ['a'],
      items: [
        { k: 1, v: 0 },
        { k: 2, v: 0 },
      ],
    });
    await a.updateOne(
      { _id: 1 },
      { $push: { arr: { $each: [3, 4] } }, $addToSet: { set: { $each: ['a', 'b'] } } },
    );
    await a.updateOne({ _id: 1 }, { $pull: { arr: 2 } });
    await c.updateOne({ _id: 1 as never, 'items.k': 2 }, { $set: { 'items.$.v': 9 } });
    expect(await c.findOne({ _id: 1 as never })).toEqual({
      _id: 1,
      arr: [1, 3, 4],
      set: ['a', 'b'],
      items: [
        { k: 1, v: 0 },
        { k: 2, v: 9 },
      ],
    });
  });

  it('supports updateMany, replacement documents and immutable _id', async () => {
    await c.insertMany([
      { g: 1, v: 1 },
      { g: 1, v: 2 },
      { g: 2, v: 3 },
    ]);
    expect(await c.updateMany({ g: 1 }, { $inc: { v: 10 } })).toMatchObject({
      matchedCount: 2,
      modifiedCount: 2,
    });
    const one = await c.findOne({ g: 2 });
    await c.replaceOne({ _id: one!._id }, { replaced: true });
    expect(await c.findOne({ _id: one!._id })).toEqual({ _id: one!._id, replaced: true });
    const err = await c
      .updateOne({ _id: one!._id }, { $set: { _id: new ObjectId() } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 66 });
  });

  it('upserts with the query equality fields and $setOnInsert; reports upserted', async () => {
    const r1 = await c.updateOne(
      { email: 'a@x', 'profile.tier': 'gold', n: { $gt: 1 } },
      { $set: { seen: 1 }, $setOnInsert: { created: 'now' } },
      { upsert: true },
    );
    expect(r1.upsertedCount).toBe(1);
    expect(r1.upsertedId).toBeInstanceOf(ObjectId);
    const d1 = await c.findOne({ email: 'a@x' });
    expect(d1).toMatchObject({ email: 'a@x', profile: { tier: 'gold' }, seen: 1, created: 'now' });
    expect(d1).not.toHaveProperty('n');
    const r2 = await c.updateOne(
      { email: 'a@x' },
      { $set: { seen: 2 }, $setOnInsert: { created: 'again' } },
      { upsert: true },
    );
    expect(r2).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect((await c.findOne({ email: 'a@x' }))?.created).toBe('now');
    const raw = await t.db.command({
      update: c.collectionName,
      updates: [{ q: { _id: 'custom' }, u: { $set: { v: 1 } }, upsert: true }],
    });
    expect(raw).toMatchObject({ n: 1, nModified: 0, upserted: [{ index: 0, _id: 'custom' }] });
    await c.replaceOne({ _id: 'r' as never }, { whole: true }, { upsert: true });
    expect(await c.findOne({ _id: 'r' as never })).toEqual({ _id: 'r', whole: true });
  });

  it('deletes one / many and reports counts', async () => {
    await c.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }]);
    expect((await c.deleteOne({ g: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(2);
    expect(await c.countDocuments()).toBe(0);
  });

  it('counts and distinct', async () => {
    await c.insertMany([{ k: 'a', tags: ['x', 'y'] }, { k: 'b', tags: ['y'] }, { k: 'a' }]);
    expect(await c.estimatedDocumentCount()).toBe(3);
    expect(await c.countDocuments({ k: 'a' })).toBe(2);
    expect((await t.db.command({ count: c.collectionName, query: { k: 'a' } })).n).toBe(2);
    expect((await c.distinct('k')).sort()).toEqual(['a', 'b']);
    expect((await c.distinct('tags', { k: 'a' })).sort()).toEqual(['x', 'y']);
  });
});
