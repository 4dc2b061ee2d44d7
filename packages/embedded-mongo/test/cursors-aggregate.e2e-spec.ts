import { Long, type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

describe('cursors and aggregation', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('cursors');
    c = t.db.collection('many');
    await c.insertMany(
      Array.from({ length: 260 }, (_, i) => ({
        i,
        g: i % 3,
        tags: i % 2 ? ['odd', 'x'] : ['even'],
      })),
    );
  });
  afterAll(() => t.close());

  it('returns 101 docs in the first batch with an int64 cursor id, then getMore', async () => {
    const first = await t.db.command({ find: 'many', filter: {}, sort: { i: 1 } });
    expect(first.cursor.firstBatch).toHaveLength(101);
    expect(first.cursor.ns).toBe(`${t.dbName}.many`);
    const raw = await t.db.command({ find: 'many', filter: {} }, { promoteLongs: false });
    expect(raw.cursor.id).toBeInstanceOf(Long);
    expect((raw.cursor.id as Long).isZero()).toBe(false);
    const more = await t.db.command(
      { getMore: raw.cursor.id, collection: 'many', batchSize: 100 },
      { promoteLongs: false },
    );
    expect(more.cursor.nextBatch).toHaveLength(100);
    const rest = await t.db.command(
      { getMore: raw.cursor.id, collection: 'many' },
      { promoteLongs: false },
    );
    expect(rest.cursor.nextBatch).toHaveLength(59);
    expect((rest.cursor.id as Long).isZero()).toBe(true);
    const gone = await t.db
      .command({ getMore: raw.cursor.id, collection: 'many' })
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 43, codeName: 'CursorNotFound' });
  });

  it('iterates 260 docs through the driver cursor with a batchSize', async () => {
    const seen = await c.find({}, { batchSize: 50, sort: { i: 1 } }).toArray();
    expect(seen.map((d) => d.i)).toEqual(Array.from({ length: 260 }, (_, i) => i));
  });

  it('killCursors closes an open cursor', async () => {
    const raw = await t.db.command(
      { find: 'many', filter: {}, batchSize: 10 },
      { promoteLongs: false },
    );
    const killed = await t.db.command(
      { killCursors: 'many', cursors: [raw.cursor.id] },
      { promoteLongs: false },
    );
    expect(killed.cursorsKilled.map(String)).toEqual([String(raw.cursor.id)]);
    await expect(
      t.db.command({ getMore: raw.cursor.id, collection: 'many' }),
    ).rejects.toMatchObject({ code: 43 });
    const cursor = c.find({}).batchSize(5);
    await cursor.next();
    await cursor.close();
  });

  it('singleBatch and limit return no open cursor', async () => {
    const r = await t.db.command(
      { find: 'many', filter: { g: 1 }, limit: 1, singleBatch: true },
      { promoteLongs: false },
    );
    expect(r.cursor.firstBatch).toHaveLength(1);
    expect((r.cursor.id as Long).isZero()).toBe(true);
  });

  it('aggregates with $match $group $sort $skip $limit $project $count $unwind', async () => {
    const groups = await c
      .aggregate([
        { $match: { i: { $lt: 30 } } },
        { $group: { _id: '$g', n: { $sum: 1 }, max: { $max: '$i' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(groups).toEqual([
      { _id: 0, n: 10, max: 27 },
      { _id: 1, n: 10, max: 28 },
      { _id: 2, n: 10, max: 29 },
    ]);
    const page = await c
      .aggregate([
        { $sort: { i: -1 } },
        { $skip: 5 },
        { $limit: 3 },
        { $project: { _id: 0, i: 1, double: { $multiply: ['$i', 2] } } },
      ])
      .toArray();
    expect(page).toEqual([
      { i: 254, double: 508 },
      { i: 253, double: 506 },
      { i: 252, double: 504 },
    ]);
    expect(await c.aggregate([{ $match: { g: 0 } }, { $count: 'total' }]).toArray()).toEqual([
      { total: 87 },
    ]);
    const tags = await c
      .aggregate([
        { $unwind: '$tags' },
        { $group: { _id: '$tags', n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(tags).toEqual([
      { _id: 'even', n: 130 },
      { _id: 'odd', n: 130 },
      { _id: 'x', n: 130 },
    ]);
    expect(await c.countDocuments({ g: 2 })).toBe(86);
  });

  it('returns aggregate results through cursors with getMore', async () => {
    const all = await c
      .aggregate([{ $match: {} }, { $project: { i: 1 } }], { batchSize: 20 })
      .toArray();
    expect(all).toHaveLength(260);
  });

  it('does not modify stored documents through $addFields/$set stages', async () => {
    await c.aggregate([{ $match: { i: 0 } }, { $set: { tags: 'changed' } }]).toArray();
    expect((await c.findOne({ i: 0 }))?.tags).toEqual(['even']);
  });
});
