import { type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* The `let` option: command-level variables, `$$name` in expressions of every CRUD command. */

describe('let variables', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('let_vars');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection(
      `c_${expect.getState().currentTestName?.replace(/\W+/g, '_').slice(0, 40)}`,
    );
    await c.deleteMany({});
    await c.insertMany([
      { _id: 1 as never, n: 1, tag: 'a' },
      { _id: 2 as never, n: 2, tag: 'b' },
      { _id: 3 as never, n: 3, tag: 'a' },
    ]);
  });

  const byTag = { $expr: { $eq: ['$tag', '$$wanted'] } };

  it('find', async () => {
    const found = await c.find(byTag, { let: { wanted: 'a' }, sort: { _id: 1 } }).toArray();
    expect(found.map((d) => d._id)).toEqual([1, 3]);
  });

  it('aggregate, in $match and in later stages', async () => {
    const out = await c
      .aggregate(
        [{ $match: byTag }, { $project: { _id: 1, scaled: { $multiply: ['$n', '$$factor'] } } }],
        { let: { wanted: 'a', factor: 10 } },
      )
      .toArray();
    expect(out).toEqual([
      { _id: 1, scaled: 10 },
      { _id: 3, scaled: 30 },
    ]);
  });

  it('update: the filter and a pipeline update', async () => {
    const r = await c.updateMany(byTag, [{ $set: { label: '$$label' } }], {
      let: { wanted: 'a', label: 'picked' },
    });
    expect(r.modifiedCount).toBe(2);
    expect(await c.find({ label: 'picked' }, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: 1, tag: 'a', label: 'picked' },
      { _id: 3, n: 3, tag: 'a', label: 'picked' },
    ]);
  });

  it('delete', async () => {
    const r = await c.deleteMany(byTag, { let: { wanted: 'b' } });
    expect(r.deletedCount).toBe(1);
    expect(await c.countDocuments()).toBe(2);
  });

  it('findAndModify', async () => {
    const before = await c.findOneAndUpdate(
      { $expr: { $eq: ['$_id', '$$id'] } },
      [{ $set: { n: { $add: ['$n', '$$by'] } } }],
      { let: { id: 2, by: 40 }, returnDocument: 'after' },
    );
    expect(before).toEqual({ _id: 2, n: 42, tag: 'b' });
  });

  it('evaluates each variable once, as an expression', async () => {
    const found = await c
      .find(byTag, { let: { wanted: { $toLower: 'A' } }, sort: { _id: 1 } })
      .toArray();
    expect(found.map((d) => d._id)).toEqual([1, 3]);
    const r = await c.updateMany(byTag, [{ $set: { label: '$$label', at: '$$at' } }], {
      let: { wanted: 'b', label: { $concat: ['pi', 'cked'] }, at: '$$NOW' },
    });
    expect(r.modifiedCount).toBe(1);
    const [doc] = await c.find({ label: 'picked' }).toArray();
    expect(doc).toMatchObject({ _id: 2, label: 'picked' });
    expect(doc.at).toBeInstanceOf(Date);
  });

  it('an undefined variable is still an error', async () => {
    await expect(c.find({ $expr: { $eq: ['$tag', '$$nope'] } }).toArray()).rejects.toThrow(
      /undefined variable/i,
    );
  });
});
