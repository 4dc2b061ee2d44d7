import mongoose, { Schema } from 'mongoose';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';

describe('embedded mongo smoke', () => {
  it('boots mongoose, CRUD and unique index', async () => {
    const srv = await startEmbeddedMongo({ logger: false });
    const conn = await mongoose.createConnection(srv.uri, { dbName: 'smoke' }).asPromise();
    try {
      const User = conn.model(
        'User',
        new Schema({ email: { type: String, unique: true }, n: Number }),
      );
      await User.init();
      await User.create({ email: 'a@x', n: 1 });
      await expect(User.create({ email: 'a@x', n: 2 })).rejects.toMatchObject({ code: 11000 });
      const u = await User.findOne({ email: 'a@x' }).lean();
      expect(u?.n).toBe(1);
      await User.updateOne({ email: 'a@x' }, { $inc: { n: 5 } });
      expect((await User.findOne({ email: 'a@x' }))?.n).toBe(6);
      const r = await User.findOneAndUpdate(
        { email: 'b@x' },
        { $set: { n: 3 } },
        { upsert: true, returnDocument: 'after' },
      );
      expect(r?.email).toBe('b@x');
      expect(await User.countDocuments()).toBe(2);
      await User.deleteOne({ email: 'a@x' });
      expect(await User.estimatedDocumentCount()).toBe(1);
      const idx = await User.listIndexes();
      expect(idx.map((i) => i.name).sort()).toEqual(['_id_', 'email_1']);
    } finally {
      await conn.close();
      await srv.stop();
    }
  });
});

describe('embedded mongo in a worker thread (the app default)', () => {
  it('serves Mongoose and stops cleanly', async () => {
    const srv = await startEmbeddedMongo({ inWorker: true, logger: false });
    const conn = await mongoose.createConnection(srv.uri, { dbName: 'smokew' }).asPromise();
    try {
      const Thing = conn.model('Thing', new Schema({ key: { type: String, unique: true } }));
      await Thing.init();
      await Thing.insertMany(Array.from({ length: 300 }, (_, i) => ({ key: `k${i}` })));
      await expect(Thing.create({ key: 'k1' })).rejects.toMatchObject({ code: 11000 });
      expect(await Thing.countDocuments()).toBe(300);
      expect((await Thing.find().lean()).length).toBe(300);
    } finally {
      await conn.close();
      await srv.stop();
    }
  });
});
