import { MongoServerError, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* Views (viewOn + pipeline): every read command reads through them; writes are refused. */

describe('views', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('views');
    await t.db.collection('people').insertMany([
      { _id: 1 as never, name: 'ann', age: 30, team: 'x' },
      { _id: 2 as never, name: 'bob', age: 17, team: 'y' },
      { _id: 3 as never, name: 'cyd', age: 45, team: 'x' },
    ]);
    await t.db.createCollection('adults', {
      viewOn: 'people',
      pipeline: [{ $match: { age: { $gte: 18 } } }, { $project: { name: 1, team: 1 } }],
    });
  });
  afterAll(() => t.close());

  it('find, with filter, sort, skip, limit and projection', async () => {
    const v = t.db.collection('adults');
    expect(await v.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, name: 'ann', team: 'x' },
      { _id: 3, name: 'cyd', team: 'x' },
    ]);
    expect(
      await v
        .find({ team: 'x' }, { sort: { name: -1 }, limit: 1, projection: { _id: 0, name: 1 } })
        .toArray(),
    ).toEqual([{ name: 'cyd' }]);
  });

  it('count, countDocuments, distinct and aggregate', async () => {
    const v = t.db.collection('adults');
    expect(await v.countDocuments()).toBe(2);
    expect(await v.countDocuments({ name: 'ann' })).toBe(1);
    expect(await v.estimatedDocumentCount()).toBe(2);
    expect((await v.distinct('team')).sort()).toEqual(['x']);
    expect(await v.aggregate([{ $group: { _id: '$team', n: { $sum: 1 } } }]).toArray()).toEqual([
      { _id: 'x', n: 2 },
    ]);
  });

  it('follows the source as it changes, and views on views', async () => {
    await t.db.createCollection('adults_x_names', {
      viewOn: 'adults',
      pipeline: [{ $match: { team: 'x' } }, { $project: { _id: 0, name: 1 } }],
    });
    await t.db.collection('people').insertOne({ _id: 4 as never, name: 'dee', age: 50, team: 'x' });
    const names = await t.db
      .collection('adults_x_names')
      .find({}, { sort: { name: 1 } })
      .toArray();
    expect(names).toEqual([{ name: 'ann' }, { name: 'cyd' }, { name: 'dee' }]);
    await t.db.collection('people').deleteOne({ _id: 4 as never });
  });

  it('is listed as a view', async () => {
    const [info] = (await t.db.listCollections({ name: 'adults' }).toArray()) as Document[];
    expect(info).toMatchObject({
      name: 'adults',
      type: 'view',
      options: {
        viewOn: 'people',
        pipeline: [{ $match: { age: { $gte: 18 } } }, { $project: { name: 1, team: 1 } }],
      },
      info: { readOnly: true },
    });
  });

  it('refuses writes with CommandNotSupportedOnView', async () => {
    const v = t.db.collection('adults');
    for (const write of [
      () => v.insertOne({ name: 'x' }),
      () => v.updateOne({}, { $set: { a: 1 } }),
      () => v.deleteMany({}),
    ]) {
      const err = await write().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err).toMatchObject({ code: 166 });
    }
    expect(await t.db.collection('people').countDocuments()).toBe(3);
  });
});
