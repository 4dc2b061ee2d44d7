import { MongoServerError, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* Document validation: validator, validationLevel and validationAction enforced on writes. */

const failed = (e: unknown): void => {
  expect(e).toBeInstanceOf(MongoServerError);
  expect(e).toMatchObject({ code: 121, message: 'Document failed validation' });
};

describe('document validation', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('validation');
  });
  afterAll(() => t.close());

  it('enforces a $jsonSchema validator on insert, update, upsert and findAndModify', async () => {
    const c = await t.db.createCollection('people', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          required: ['name'],
          properties: {
            name: { bsonType: 'string', minLength: 1 },
            age: { bsonType: 'int', minimum: 0 },
            tags: { bsonType: 'array', items: { enum: ['a', 'b'] } },
          },
        },
      },
    });
    await c.insertOne({ _id: 1 as never, name: 'ann', age: 3, tags: ['a'] });
    const missing = await c.insertOne({ _id: 2 as never, age: 3 }).catch((e: unknown) => e);
    failed(missing);
    expect((missing as MongoServerError).errInfo?.failingDocumentId).toBe(2);
    failed(await c.insertOne({ name: 'bob', age: -1 }).catch((e: unknown) => e));
    failed(await c.insertOne({ name: 'bob', tags: ['c'] }).catch((e: unknown) => e));
    failed(await c.updateOne({ _id: 1 as never }, { $set: { name: 5 } }).catch((e: unknown) => e));
    failed(
      await c
        .updateOne({ name: 'zed' }, { $set: { age: -1 } }, { upsert: true })
        .catch((e: unknown) => e),
    );
    failed(
      await c
        .findOneAndUpdate({ _id: 1 as never }, { $unset: { name: 1 } })
        .catch((e: unknown) => e),
    );
    await c.insertOne({ _id: 3 as never, age: 1 }, { bypassDocumentValidation: true });
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id as unknown)).toEqual([
      1, 3,
    ]);
    expect(await c.findOne({ _id: 1 as never })).toEqual({
      _id: 1,
      name: 'ann',
      age: 3,
      tags: ['a'],
    });
  });

  it('writes failing documents under validationAction warn, refuses them under error', async () => {
    const c = await t.db.createCollection('stock', {
      validator: { qty: { $gte: 0 } },
      validationAction: 'warn',
    });
    await c.insertOne({ qty: -1 });
    await t.db.command({ collMod: 'stock', validationAction: 'error' });
    failed(await c.insertOne({ qty: -2 }).catch((e: unknown) => e));
    await t.db.command({ collMod: 'stock', validationLevel: 'off' });
    await c.insertOne({ qty: -3 });
    expect(await c.countDocuments()).toBe(2);
  });

  it('checks updates of already invalid documents only under validationLevel strict', async () => {
    const c = t.db.collection('levels');
    await c.insertMany([
      { _id: 1 as never, qty: -5 },
      { _id: 2 as never, qty: 5 },
    ]);
    await t.db.command({
      collMod: 'levels',
      validator: { qty: { $gte: 0 } },
      validationLevel: 'moderate',
    });
    await c.updateOne({ _id: 1 as never }, { $set: { qty: -6 } });
    failed(await c.updateOne({ _id: 2 as never }, { $set: { qty: -1 } }).catch((e: unknown) => e));
    await t.db.command({ collMod: 'levels', validationLevel: 'strict' });
    failed(await c.updateOne({ _id: 1 as never }, { $set: { qty: -7 } }).catch((e: unknown) => e));
    const docs: Document[] = await c.find().sort({ _id: 1 }).toArray();
    expect(docs).toEqual([
      { _id: 1, qty: -6 },
      { _id: 2, qty: 5 },
    ]);
  });
});
