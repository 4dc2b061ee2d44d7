import { MongoServerError, type Collection, type Document } from 'mongodb';
import { itEmbedded, openTarget, type Target } from './target';

/* Collations (ICU) in reads, writes, indexes and collection defaults, as MongoDB 7.0 applies them. */

const S2 = { locale: 'en_US', strength: 2 };
/** How mongod lists a collation: every field, with its ICU version. */
const S2_FULL = {
  locale: 'en_US',
  caseLevel: false,
  caseFirst: 'off',
  strength: 2,
  numericOrdering: false,
  alternate: 'non-ignorable',
  maxVariable: 'punct',
  normalization: false,
  backwards: false,
  version: '57.1',
};

const ids = (docs: Document[]): unknown[] => docs.map((d) => d._id as unknown);

describe('collation', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('collation');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection(
      `c_${expect.getState().currentTestName?.replace(/\W+/g, '_').slice(0, 40)}`,
    );
    await c.drop();
  });

  const seed = () =>
    c.insertMany([
      { _id: 1 as never, x: 'ping' },
      { _id: 2 as never, x: 'PING' },
      { _id: 3 as never, x: 'Ping' },
      { _id: 4 as never, x: 'pong' },
      { _id: 5 as never, x: 'café' },
      { _id: 6 as never, x: 'cafe' },
    ]);

  it('matches case-insensitively at strength 2 in find, count and countDocuments', async () => {
    await seed();
    expect(ids(await c.find({ x: 'PING' }).sort({ _id: 1 }).toArray())).toEqual([2]);
    const folded = await c.find({ x: 'PING' }, { collation: S2 }).sort({ _id: 1 }).toArray();
    expect(ids(folded)).toEqual([1, 2, 3]);
    expect(ids(await c.find({ x: { $in: ['PONG'] } }, { collation: S2 }).toArray())).toEqual([4]);
    expect(
      ids(
        await c
          .find({ x: { $ne: 'ping' } }, { collation: S2 })
          .sort({ _id: 1 })
          .toArray(),
      ),
    ).toEqual([4, 5, 6]);
    expect(await c.countDocuments({ x: 'ping' }, { collation: S2 })).toBe(3);
    expect(
      await t.db.command({ count: c.collectionName, query: { x: 'ping' }, collation: S2 }),
    ).toMatchObject({ n: 3, ok: 1 });
    // Strength 2 still tells accents apart; strength 1 does not.
    expect(ids(await c.find({ x: 'cafe' }, { collation: S2 }).toArray())).toEqual([6]);
    const base = await c
      .find({ x: 'cafe' }, { collation: { locale: 'fr', strength: 1 } })
      .sort({ _id: 1 })
      .toArray();
    expect(ids(base)).toEqual([5, 6]);
    // caseLevel at strength 1: case counts again, accents still do not.
    const caseLevel = { locale: 'en', strength: 1, caseLevel: true };
    expect(ids(await c.find({ x: 'Ping' }, { collation: caseLevel }).toArray())).toEqual([3]);
  });

  it('sorts by the locale, numericOrdering and alternate: shifted', async () => {
    await c.insertMany(['b', 'B', 'a', 'A', 'c'].map((x, i) => ({ _id: i as never, x })));
    const plain = await c.find().sort({ x: 1 }).toArray();
    expect(plain.map((d) => d.x as unknown)).toEqual(['A', 'B', 'a', 'b', 'c']);
    const en = await c
      .find({}, { collation: { locale: 'en' } })
      .sort({ x: 1 })
      .toArray();
    expect(en.map((d) => d.x as unknown)).toEqual(['a', 'A', 'b', 'B', 'c']);
    const upper = await c
      .find({}, { collation: { locale: 'en', caseFirst: 'upper' } })
      .sort({ x: 1 })
      .toArray();
    expect(upper.map((d) => d.x as unknown)).toEqual(['A', 'a', 'B', 'b', 'c']);

    await c.drop();
    await c.insertMany(
      ['10', '9', '2', 'a-b', 'a b', 'ab'].map((x, i) => ({ _id: i as never, x })),
    );
    const numeric = await c
      .find({ x: { $lt: 'a' } }, { collation: { locale: 'en', numericOrdering: true } })
      .sort({ x: 1 })
      .toArray();
    expect(numeric.map((d) => d.x as unknown)).toEqual(['2', '9', '10']);
    const shifted = await c
      .find({ x: 'ab' }, { collation: { locale: 'en', alternate: 'shifted' } })
      .sort({ _id: 1 })
      .toArray();
    expect(shifted.map((d) => d.x as unknown)).toEqual(['a-b', 'a b', 'ab']);
  });

  it('folds distinct values and applies to aggregate $match and $sort', async () => {
    await seed();
    const values = await c.distinct('x', { x: { $in: ['ping', 'pong'] } }, { collation: S2 });
    expect(values).toHaveLength(2);
    expect(values.filter((v) => String(v).toLowerCase() === 'ping')).toHaveLength(1);
    expect(values).toContain('pong');
    expect(await c.distinct('x', { x: { $in: ['ping', 'pong'] } })).toEqual(['ping', 'pong']);

    const agg = await c
      .aggregate(
        [{ $match: { x: { $gte: 'PING', $lte: 'PONG' } } }, { $sort: { x: -1, _id: 1 } }],
        {
          collation: S2,
        },
      )
      .toArray();
    expect(ids(agg)).toEqual([4, 1, 2, 3]);
  });

  it('groups string keys the collation calls equal into one $group', async () => {
    await seed();
    const groups = await c
      .aggregate(
        [
          { $match: { x: { $in: ['ping', 'pong'] } } },
          { $group: { _id: '$x', n: { $sum: 1 }, ids: { $push: '$_id' } } },
          { $sort: { n: -1 } },
        ],
        { collation: S2 },
      )
      .toArray();
    expect(groups.map((g) => [String(g._id).toLowerCase(), g.n, g.ids])).toEqual([
      ['ping', 3, [1, 2, 3]],
      ['pong', 1, [4]],
    ]);
    const binary = await c.aggregate([{ $group: { _id: '$x' } }]).toArray();
    expect(binary).toHaveLength(6);
  });

  it('selects the documents of updates, deletes and findAndModify by the collation', async () => {
    await seed();
    const u = await c.updateMany({ x: 'PING' }, { $set: { hit: true } }, { collation: S2 });
    expect(u).toMatchObject({ matchedCount: 3, modifiedCount: 3 });
    const f = await c.findOneAndUpdate(
      { x: 'PONG' },
      { $set: { f: 1 } },
      { collation: S2, returnDocument: 'after' },
    );
    expect(f).toEqual({ _id: 4, x: 'pong', f: 1 });
    expect((await c.deleteMany({ x: 'PING' }, { collation: S2 })).deletedCount).toBe(3);
    expect((await c.deleteOne({ x: 'PONG' })).deletedCount).toBe(0);
    expect(ids(await c.find().sort({ _id: 1 }).toArray())).toEqual([4, 5, 6]);
  });

  it('keys an index by its collation: listed, and unique at strength 2', async () => {
    await c.createIndex({ name: 1 }, { unique: true, collation: S2, name: 'name_ci' });
    const listed = await c.listIndexes().toArray();
    expect(listed.find((i) => i.name === 'name_ci')).toEqual({
      v: 2,
      key: { name: 1 },
      name: 'name_ci',
      unique: true,
      collation: S2_FULL,
    });
    await c.insertOne({ name: 'ping' });
    const err = await c.insertOne({ name: 'PING' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 11000 });
    await c.insertOne({ name: 'pïng' });
    expect(await c.countDocuments()).toBe(2);
    // An index with another collation on the same key is a different index.
    await c.createIndex({ name: 1 }, { name: 'name_bin' });
    expect((await c.listIndexes().toArray()).map((i) => i.name as unknown)).toEqual([
      '_id_',
      'name_ci',
      'name_bin',
    ]);
  });

  it('takes the collection default from create, and locale simple opts out', async () => {
    await t.db.createCollection(c.collectionName, { collation: S2 });
    const [info] = await t.db.listCollections({ name: c.collectionName }).toArray();
    expect((info as Document).options).toEqual({ collation: S2_FULL });
    await c.insertMany([
      { _id: 1 as never, x: 'a' },
      { _id: 2 as never, x: 'A' },
    ]);
    expect(await c.countDocuments({ x: 'a' })).toBe(2);
    expect(await c.countDocuments({ x: 'a' }, { collation: { locale: 'simple' } })).toBe(1);
    expect(ids(await c.find().sort({ x: -1, _id: -1 }).toArray())).toEqual([2, 1]);
    // A new index inherits it; the _id index has it too.
    await c.createIndex({ x: 1 });
    const listed = await c.listIndexes().toArray();
    expect(listed.map((i) => i.collation as unknown)).toEqual([S2_FULL, S2_FULL]);
  });

  itEmbedded('uses an index for string bounds only under its own collation', async () => {
    await c.createIndex({ name: 1 }, { collation: S2 });
    await c.insertMany([{ name: 'ping' }, { name: 'PING' }, { name: 'pong' }]);
    const explain = (collation?: Document) =>
      t.db.command({
        explain: {
          find: c.collectionName,
          filter: { name: 'PING' },
          ...(collation && { collation }),
        },
      });
    const same = await explain(S2);
    expect(same.queryPlanner.winningPlan).toMatchObject({ inputStage: { stage: 'IXSCAN' } });
    expect(same.executionStats.nReturned).toBe(2);
    const binary = await explain();
    expect(binary.queryPlanner.winningPlan).toEqual({ stage: 'COLLSCAN' });
    expect(binary.executionStats.nReturned).toBe(1);
  });

  it('refuses a malformed collation with mongod codes and messages', async () => {
    await seed();
    const run = (collation: unknown) =>
      t.db.command({ find: c.collectionName, filter: {}, collation }).catch((e: unknown) => e);
    const locale = await run({ locale: 'zz_nope' });
    expect(locale).toBeInstanceOf(MongoServerError);
    expect(locale).toMatchObject({ code: 2 });
    expect((locale as Error).message).toBe(`Field 'locale' is invalid in: { locale: "zz_nope" }`);
    const strength = await run({ locale: 'en', strength: 6 });
    expect(strength).toMatchObject({ code: 51024 });
    expect((strength as Error).message).toBe(
      "BSON field 'strength' value must be <= 5, actual value '6'",
    );
    expect(await run({ locale: 'en', bogus: 1 })).toMatchObject({ code: 40415 });
    expect(await run({ strength: 2 })).toMatchObject({ code: 40414 });
    const index = await c
      .createIndex({ x: 1 }, { collation: { locale: 'zz_nope' } })
      .catch((e: unknown) => e);
    expect(index).toMatchObject({ code: 2 });
    expect((await c.listIndexes().toArray()).map((i) => i.name as unknown)).toEqual(['_id_']);
  });
});
