import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { openTarget, type Target } from './target';

describe('findAndModify', () => {
  let t: Target;
  let c: Collection<Document>;
  beforeAll(async () => {
    t = await openTarget('fam');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    c = t.db.collection('jobs');
    await c.deleteMany({});
    await c.insertMany([
      { _id: 1 as never, state: 'new', prio: 2, secret: 's1' },
      { _id: 2 as never, state: 'new', prio: 5, secret: 's2' },
      { _id: 3 as never, state: 'done', prio: 9, secret: 's3' },
    ]);
  });

  it('returns the pre-image by default and the post-image with new/returnDocument after', async () => {
    const before = await c.findOneAndUpdate({ _id: 1 as never }, { $set: { state: 'running' } });
    expect(before).toMatchObject({ _id: 1, state: 'new' });
    const after = await c.findOneAndUpdate(
      { _id: 1 as never },
      { $inc: { prio: 1 } },
      { returnDocument: 'after' },
    );
    expect(after).toMatchObject({ _id: 1, state: 'running', prio: 3 });
  });

  it('honours sort and fields (projection)', async () => {
    const r = await c.findOneAndUpdate(
      { state: 'new' },
      { $set: { state: 'taken' } },
      { sort: { prio: -1 }, projection: { secret: 0 }, returnDocument: 'after' },
    );
    expect(r).toEqual({ _id: 2, state: 'taken', prio: 5 });
  });

  it('upserts and reports lastErrorObject like mongod', async () => {
    const raw = await t.db.command({
      findAndModify: 'jobs',
      query: { _id: 7 },
      update: { $set: { state: 'x' }, $setOnInsert: { created: true } },
      upsert: true,
      new: true,
    });
    expect(raw.ok).toBe(1);
    expect(raw.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 7 });
    expect(raw.value).toEqual({ _id: 7, state: 'x', created: true });
    const again = await t.db.command({
      findAndModify: 'jobs',
      query: { _id: 7 },
      update: { $set: { state: 'y' } },
      upsert: true,
    });
    expect(again.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    expect(again.value).toMatchObject({ state: 'x' });
    const none = await t.db.command({
      findAndModify: 'jobs',
      query: { _id: 99 },
      update: { $set: { a: 1 } },
    });
    expect(none.lastErrorObject).toEqual({ n: 0, updatedExisting: false });
    expect(none.value).toBeNull();
    const upsertOld = await t.db.command({
      findAndModify: 'jobs',
      query: { _id: 8 },
      update: { $set: { a: 1 } },
      upsert: true,
    });
    expect(upsertOld.value).toBeNull();
    expect(upsertOld.lastErrorObject.upserted).toBe(8);
  });

  it('removes (findOneAndDelete) and replaces (findOneAndReplace)', async () => {
    const del = await c.findOneAndDelete({ state: 'done' });
    expect(del).toMatchObject({ _id: 3 });
    expect(await c.countDocuments()).toBe(2);
    const raw = await t.db.command({ findAndModify: 'jobs', query: { _id: 42 }, remove: true });
    expect(raw.lastErrorObject).toEqual({ n: 0 });
    expect(raw.value).toBeNull();
    const rep = await c.findOneAndReplace(
      { _id: 1 as never },
      { fresh: true },
      { returnDocument: 'after' },
    );
    expect(rep).toEqual({ _id: 1, fresh: true });
  });

  it('rejects contradictory options', async () => {
    await expect(
      t.db.command({ findAndModify: 'jobs', query: {}, remove: true, update: { $set: { a: 1 } } }),
    ).rejects.toMatchObject({ ok: 0 });
    await expect(t.db.command({ findAndModify: 'jobs', query: {} })).rejects.toMatchObject({
      ok: 0,
    });
  });

  it('50 concurrent compare-and-set findOneAndUpdate on one document: exactly one wins', async () => {
    const id = new ObjectId();
    await c.insertOne({ _id: id, version: 0, owner: null });
    // Several clients, so the attempts really arrive on different connections at the same time.
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => new MongoClient(t.uri, { maxPoolSize: 10 }).connect()),
    );
    try {
      const attempts = Array.from({ length: 50 }, (_, i) =>
        clients[i % clients.length]
          .db(t.dbName)
          .collection('jobs')
          .findOneAndUpdate(
            { _id: id, version: 0 },
            { $set: { owner: `w${i}` }, $inc: { version: 1 } },
            { returnDocument: 'after' },
          ),
      );
      const results = await Promise.all(attempts);
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const final = await c.findOne({ _id: id });
      expect(final).toMatchObject({ version: 1, owner: winners[0].owner });
    } finally {
      await Promise.all(clients.map((cl) => cl.close()));
    }
  });
});
