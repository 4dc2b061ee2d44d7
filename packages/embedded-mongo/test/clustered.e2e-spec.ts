import { MongoServerError, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

/* Clustered collections as listCollections and listIndexes report them. */

describe('clustered collections', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('clustered');
  });
  afterAll(() => t.close());

  it('are listed with their clusteredIndex, without a separate idIndex', async () => {
    await t.db.createCollection('events', {
      clusteredIndex: { key: { _id: 1 }, unique: true, name: 'by_id' },
    });
    const [info] = (await t.db.listCollections({ name: 'events' }).toArray()) as Document[];
    expect(info.type).toBe('collection');
    expect(info.options.clusteredIndex).toEqual({
      v: 2,
      key: { _id: 1 },
      name: 'by_id',
      unique: true,
    });
    expect(info.idIndex).toBeUndefined();
  });

  it('list the clustered index in listIndexes', async () => {
    await t.db.createCollection('plain_named', {
      clusteredIndex: { key: { _id: 1 }, unique: true },
    });
    expect(await t.db.collection('plain_named').listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_', unique: true, clustered: true },
    ]);
    await t.db.collection('plain_named').insertOne({ _id: 1 as never });
    await expect(
      t.db.collection('plain_named').insertOne({ _id: 1 as never }),
    ).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('refuses a clustered index that is not on _id', async () => {
    const err = await t.db
      .createCollection('bad', { clusteredIndex: { key: { other: 1 }, unique: true } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
  });
});
