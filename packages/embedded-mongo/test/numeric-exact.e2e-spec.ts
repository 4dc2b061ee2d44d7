import { Decimal128, Long, MongoServerError, type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* int64 and Decimal128 compare exactly, with each other and with doubles, as in MongoDB 7.0. */

const TWO_53 = 9007199254740992;
const big = (s: string) => Long.fromString(s);
const ids = (docs: Document[]): unknown[] => docs.map((d) => d._id as unknown);
/** Reads int64 values back as Long, so their exact value (and type) is visible. */
const raw = { promoteLongs: false } as const;

describe('exact int64 and Decimal128 comparison', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('numeric_exact');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection(
      `c_${expect.getState().currentTestName?.replace(/\W+/g, '_').slice(0, 40)}`,
    );
    await c.drop();
  });

  it.each([false, true])(
    'tells 2^53 + 1 (int64) from 2^53 (double), indexed: %s',
    async (indexed) => {
      if (indexed) await c.createIndex({ v: 1 });
      await c.insertMany([
        { _id: 1 as never, v: TWO_53 },
        { _id: 2 as never, v: big('9007199254740993') },
        { _id: 3 as never, v: big('9007199254740995') },
        { _id: 4 as never, v: big('-9007199254740993') },
      ]);
      expect(ids(await c.find({ v: big('9007199254740993') }).toArray())).toEqual([2]);
      expect(ids(await c.find({ v: TWO_53 }).toArray())).toEqual([1]);
      expect(ids(await c.find({ v: { $in: [big('9007199254740995'), 1] } }).toArray())).toEqual([
        3,
      ]);
      expect(
        ids(
          await c
            .find({ v: { $gt: TWO_53 } })
            .sort({ v: 1 })
            .toArray(),
        ),
      ).toEqual([2, 3]);
      expect(
        ids(
          await c
            .find({ v: { $gte: big('9007199254740993'), $lt: big('9007199254740995') } })
            .toArray(),
        ),
      ).toEqual([2]);
      expect(ids(await c.find({ v: { $lt: -TWO_53 } }).toArray())).toEqual([4]);
      expect(ids(await c.find().sort({ v: -1 }).toArray())).toEqual([3, 2, 1, 4]);
      expect(await c.countDocuments({ v: { $ne: big('9007199254740993') } })).toBe(3);
    },
  );

  it('stores int64 values exactly and returns them as int64', async () => {
    await c.insertOne({ _id: 1 as never, v: big('9223372036854775807'), s: big('5') });
    const back = await c.findOne({ _id: 1 as never }, raw);
    expect(Long.isLong(back?.v)).toBe(true);
    expect(String(back?.v)).toBe('9223372036854775807');
    expect(ids(await c.find({ v: big('9223372036854775807') }).toArray())).toEqual([1]);
    expect(ids(await c.find({ v: big('9223372036854775806') }).toArray())).toEqual([]);
    // Driver default: an int64 that fits a double arrives as a number, as from mongod.
    expect((await c.findOne({ _id: 1 as never }))?.s).toBe(5);
  });

  it('keeps unique int64 keys apart beyond 2^53 and folds equal numbers of any type', async () => {
    await c.createIndex({ v: 1 }, { unique: true });
    await c.insertOne({ v: TWO_53 });
    await c.insertOne({ v: big('9007199254740993') });
    const dup = await c.insertOne({ v: big('9007199254740993') }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(MongoServerError);
    expect(dup).toMatchObject({ code: 11000 });
    await c.insertOne({ v: 1 });
    for (const same of [Decimal128.fromString('1.0'), big('1'), 1.0]) {
      expect(await c.insertOne({ v: same }).catch((e: unknown) => e)).toMatchObject({
        code: 11000,
      });
    }
    await c.insertOne({ v: Decimal128.fromString('1.000000000000000000000000000001') });
    expect(await c.countDocuments()).toBe(4);
  });

  it('compares Decimal128 numerically with int32, int64 and double', async () => {
    await c.insertMany([
      { _id: 1 as never, v: Decimal128.fromString('1.0') },
      { _id: 2 as never, v: 1 },
      { _id: 3 as never, v: big('1') },
      { _id: 4 as never, v: 1.5 },
      { _id: 5 as never, v: Decimal128.fromString('0.1') },
      { _id: 6 as never, v: 0.1 },
      { _id: 7 as never, v: Decimal128.fromString('-1E+400') },
    ]);
    expect(ids(await c.find({ v: 1 }).sort({ _id: 1 }).toArray())).toEqual([1, 2, 3]);
    expect(
      ids(
        await c
          .find({ v: Decimal128.fromString('1.00') })
          .sort({ _id: 1 })
          .toArray(),
      ),
    ).toEqual([1, 2, 3]);
    // The double 0.1 is 0.1000000000000000055...: not the decimal 0.1.
    expect(ids(await c.find({ v: Decimal128.fromString('0.1') }).toArray())).toEqual([5]);
    expect(ids(await c.find({ v: 0.1 }).toArray())).toEqual([6]);
    expect(ids(await c.find({ v: { $gt: Decimal128.fromString('1.25') } }).toArray())).toEqual([4]);
    expect(ids(await c.find().sort({ v: 1, _id: 1 }).toArray())).toEqual([7, 5, 6, 1, 2, 3, 4]);
    const back = await c.findOne({ _id: 1 as never });
    expect(back?.v).toBeInstanceOf(Decimal128);
    expect(String(back?.v)).toBe('1.0');
  });

  it('applies $inc, $min and $max to int64 values exactly', async () => {
    await c.insertOne({
      _id: 1 as never,
      v: big('9007199254740993'),
      d: Decimal128.fromString('0.1'),
    });
    await c.updateOne({ _id: 1 as never }, { $inc: { v: 2 } });
    expect(String((await c.findOne({}, raw))?.v)).toBe('9007199254740995');
    await c.updateOne({ _id: 1 as never }, { $inc: { v: big('-9007199254740990') } });
    const small = await c.findOne({}, raw);
    expect(Long.isLong(small?.v)).toBe(true);
    expect(String(small?.v)).toBe('5');
    await c.updateOne({ _id: 1 as never }, { $max: { v: big('9007199254740997') } });
    expect(String((await c.findOne({}, raw))?.v)).toBe('9007199254740997');
    const noop = await c.updateOne({ _id: 1 as never }, { $max: { v: TWO_53 } });
    expect(noop.modifiedCount).toBe(0);
    await c.updateOne({ _id: 1 as never }, { $min: { v: TWO_53 } });
    expect((await c.findOne({}))?.v).toBe(TWO_53);
    await c.updateOne(
      { _id: 1 as never },
      { $inc: { d: Decimal128.fromString('0.2'), n: big('7') } },
    );
    const after = await c.findOne({}, raw);
    expect(String(after?.d)).toBe('0.3');
    expect(String(after?.n)).toBe('7');
    const overflow = await c
      .updateOne({ _id: 1 as never }, { $set: { m: big('9223372036854775807') } })
      .then(() => c.updateOne({ _id: 1 as never }, { $inc: { m: 1 } }))
      .catch((e: unknown) => e);
    expect(overflow).toMatchObject({ code: 2 });
  });
});
