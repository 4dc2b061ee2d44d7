import mongoose, { Schema, type Connection } from 'mongoose';
import { openTarget, type Target } from './target';

interface Client {
  clientId: string;
  name: string;
  scopes: string[];
  hits: number;
  createdAt?: Date;
  expiresAt?: Date;
}

interface Token {
  jti: string;
  exp: Date;
}

describe('Mongoose against the server', () => {
  let t: Target;
  let conn: Connection;
  let Clients: mongoose.Model<Client>;
  let Tokens: mongoose.Model<Token>;

  beforeAll(async () => {
    t = await openTarget('mongoose');
    conn = await mongoose
      .createConnection(t.uri, { dbName: t.dbName, autoIndex: true, autoCreate: true })
      .asPromise();
    Clients = conn.model<Client>(
      'Client',
      new Schema<Client>(
        {
          clientId: { type: String, required: true, unique: true },
          name: String,
          scopes: [String],
          hits: { type: Number, default: 0 },
        },
        { timestamps: true },
      ),
    );
    const tokenSchema = new Schema<Token>({ jti: { type: String, unique: true }, exp: Date });
    tokenSchema.index({ exp: 1 }, { expireAfterSeconds: 0 });
    Tokens = conn.model<Token>('Token', tokenSchema);
    await Promise.all([Clients.init(), Tokens.init()]);
  });
  afterAll(async () => {
    await conn.close();
    await t.close();
  });

  it('model init created collections and indexes', async () => {
    const idx = await Clients.listIndexes();
    expect(idx.map((i) => i.name)).toEqual(['_id_', 'clientId_1']);
    expect(idx[1].unique).toBe(true);
    const tidx = await Tokens.listIndexes();
    expect(tidx.find((i) => i.name === 'exp_1')?.expireAfterSeconds).toBe(0);
    await expect(Clients.syncIndexes()).resolves.toEqual([]);
  });

  it('create, findOne, exists, save, updateOne, findOneAndUpdate, deleteOne', async () => {
    const doc = await Clients.create({ clientId: 'c1', name: 'one', scopes: ['read'] });
    expect(doc.createdAt).toBeInstanceOf(Date);
    const found = await Clients.findOne({ clientId: 'c1' });
    expect(found?.name).toBe('one');
    expect(await Clients.exists({ clientId: 'c1' })).toMatchObject({ _id: doc._id });
    found!.name = 'renamed';
    found!.scopes.push('write');
    await found!.save();
    expect((await Clients.findById(doc._id).lean())?.scopes).toEqual(['read', 'write']);
    await Clients.updateOne({ clientId: 'c1' }, { $inc: { hits: 2 } });
    const after = await Clients.findOneAndUpdate(
      { clientId: 'c1' },
      { $inc: { hits: 1 } },
      { returnDocument: 'after' },
    ).lean();
    expect(after?.hits).toBe(3);
    expect(after?.name).toBe('renamed');
    await Clients.deleteOne({ clientId: 'c1' });
    expect(await Clients.findOne({ clientId: 'c1' })).toBeNull();
  });

  it('upsert puts __v into $setOnInsert and creates the document', async () => {
    await Clients.updateOne({ clientId: 'up' }, { $set: { name: 'upserted' } }, { upsert: true });
    const d = await Clients.findOne({ clientId: 'up' }).lean();
    expect(d).toMatchObject({ clientId: 'up', name: 'upserted', __v: 0 });
  });

  it('surfaces E11000 as a Mongoose duplicate key error', async () => {
    await Clients.create({ clientId: 'dup', name: 'a' });
    const err = await Clients.create({ clientId: 'dup', name: 'b' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11000, keyValue: { clientId: 'dup' } });
  });

  it('insertMany, find chains with sort/skip/limit/select, countDocuments, estimatedDocumentCount, distinct, cursor', async () => {
    await Clients.deleteMany({});
    await Clients.insertMany(
      Array.from({ length: 150 }, (_, i) => ({
        clientId: `m${String(i).padStart(3, '0')}`,
        name: i % 2 ? 'odd' : 'even',
        hits: i,
      })),
    );
    const page = await Clients.find({ name: 'odd' })
      .sort({ hits: -1 })
      .skip(2)
      .limit(3)
      .select('clientId -_id')
      .lean();
    expect(page).toEqual([{ clientId: 'm145' }, { clientId: 'm143' }, { clientId: 'm141' }]);
    expect(await Clients.countDocuments({ name: 'even' })).toBe(75);
    expect(await Clients.estimatedDocumentCount()).toBe(150);
    expect((await Clients.distinct('name')).sort()).toEqual(['even', 'odd']);
    let n = 0;
    for await (const _ of Clients.find().cursor()) n++;
    expect(n).toBe(150);
    const agg = await Clients.aggregate<{ _id: string; total: number }>([
      { $group: { _id: '$name', total: { $sum: '$hits' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(agg).toEqual([
      { _id: 'even', total: 5550 },
      { _id: 'odd', total: 5625 },
    ]);
  });

  it('bulkWrite mixes inserts, updates and deletes', async () => {
    const r = await Tokens.bulkWrite([
      { insertOne: { document: { jti: 'j1', exp: new Date(Date.now() + 60_000) } } },
      { insertOne: { document: { jti: 'j2', exp: new Date(Date.now() + 60_000) } } },
      {
        updateOne: {
          filter: { jti: 'j1' },
          update: { $set: { exp: new Date(Date.now() + 120_000) } },
        },
      },
      { deleteOne: { filter: { jti: 'j2' } } },
    ]);
    expect(r.insertedCount).toBe(2);
    expect(r.modifiedCount).toBe(1);
    expect(r.deletedCount).toBe(1);
  });
});
