import { MongoServerError, type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* Database-level aggregate with $documents, and $out / $merge writing through the write path. */

describe('aggregate: $documents, $out, $merge', () => {
  let t: Target;
  let src: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('agg_output');
    src = t.db.collection('src');
    await src.insertMany([
      { _id: 1 as never, k: 'a', n: 1 },
      { _id: 2 as never, k: 'b', n: 2 },
      { _id: 3 as never, k: 'a', n: 3 },
    ]);
  });
  afterAll(() => t.close());

  it('runs a database-level aggregate over $documents', async () => {
    const out = await t.db
      .aggregate([{ $documents: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { $match: { x: { $gte: 2 } } }])
      .toArray();
    expect(out).toEqual([{ x: 2 }, { x: 3 }]);
  });

  it('refuses a database-level aggregate that needs a collection', async () => {
    const err = await t.db
      .aggregate([{ $match: {} }])
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 73 });
  });

  it('$out replaces the documents of the target and keeps its indexes', async () => {
    const target = t.db.collection('out_target');
    await target.insertOne({ _id: 'old' as never });
    await target.createIndex({ k: 1 }, { name: 'k_1' });
    const r = await src
      .aggregate([{ $group: { _id: '$k', total: { $sum: '$n' } } }, { $out: 'out_target' }])
      .toArray();
    expect(r).toEqual([]);
    expect(await target.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 'a', total: 4 },
      { _id: 'b', total: 2 },
    ]);
    expect((await target.listIndexes().toArray()).map((i) => i.name).sort()).toEqual([
      '_id_',
      'k_1',
    ]);
  });

  it('$out that violates a unique index of the target fails and leaves it as it was', async () => {
    const target = t.db.collection('out_unique');
    await target.insertOne({ _id: 'keep' as never, k: 'z' });
    await target.createIndex({ k: 1 }, { unique: true });
    const err = await src
      .aggregate([{ $project: { k: 1 } }, { $out: 'out_unique' }])
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11000 });
    expect(await target.find().toArray()).toEqual([{ _id: 'keep', k: 'z' }]);
  });

  it('$merge inserts new documents and merges matched ones', async () => {
    const target = t.db.collection('merge_target');
    await target.insertMany([
      { _id: 1 as never, k: 'old', extra: true },
      { _id: 9 as never, k: 'untouched' },
    ]);
    await src.aggregate([{ $match: { k: 'a' } }, { $merge: { into: 'merge_target' } }]).toArray();
    expect(await target.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, k: 'a', n: 1, extra: true },
      { _id: 3, k: 'a', n: 3 },
      { _id: 9, k: 'untouched' },
    ]);
    await src
      .aggregate([
        { $project: { n: 1 } },
        { $merge: { into: 'merge_target', whenMatched: 'replace', whenNotMatched: 'discard' } },
      ])
      .toArray();
    expect(await target.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 3, n: 3 },
      { _id: 9, k: 'untouched' },
    ]);
  });

  it('$merge runs a whenMatched pipeline on the matched document, with $$new and let', async () => {
    const target = t.db.collection('merge_pipeline');
    await target.insertMany([
      { _id: 1 as never, total: 10, keep: true },
      { _id: 2 as never, total: 20 },
    ]);
    await src
      .aggregate([
        { $match: { _id: { $in: [1, 2] } } },
        {
          $merge: {
            into: 'merge_pipeline',
            whenMatched: [{ $set: { total: { $add: ['$total', '$$new.n'] }, from: '$$new.k' } }],
          },
        },
      ])
      .toArray();
    expect(await target.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, total: 11, keep: true, from: 'a' },
      { _id: 2, total: 22, from: 'b' },
    ]);
    await src
      .aggregate([
        {
          $merge: {
            into: 'merge_pipeline',
            let: { twice: { $multiply: ['$n', 2] } },
            whenMatched: [{ $set: { twice: '$$twice' } }],
            whenNotMatched: 'insert',
          },
        },
      ])
      .toArray();
    expect(await target.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, total: 11, keep: true, from: 'a', twice: 2 },
      { _id: 2, total: 22, from: 'b', twice: 4 },
      { _id: 3, k: 'a', n: 3 },
    ]);
  });
});
