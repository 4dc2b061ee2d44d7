import { Decimal128, Int32, Long, ObjectId } from 'bson';
import { CursorRegistry } from './cursors';
import { Engine } from './engine';
import { sweepExpired, sweepExpiredSlice } from './ttl';
import { compareValues, keyOf } from './values';

/* Engine internals that the wire suites cannot observe directly. */

describe('engine internals', () => {
  it('keys equal BSON values identically and orders values like mongod', () => {
    expect(keyOf(1)).toBe(keyOf(Long.fromNumber(1)));
    expect(keyOf(1)).toBe(keyOf(new Int32(1)));
    expect(keyOf(1.5)).toBe(keyOf(Decimal128.fromString('1.5')));
    const id = new ObjectId();
    expect(keyOf(id)).toBe(keyOf(new ObjectId(id.toHexString())));
    expect(keyOf('1')).not.toBe(keyOf(1));
    expect(keyOf(null)).toBe(keyOf(undefined));
    const ordered = [
      null,
      -1,
      2,
      'a',
      'b',
      { a: 1 },
      [1],
      new ObjectId('000000000000000000000001'),
      new ObjectId('000000000000000000000002'),
      false,
      true,
      new Date(0),
      new Date(1),
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareValues)).toEqual(ordered);
  });

  it('expires cursors after 10 minutes idle', () => {
    const reg = new CursorRegistry();
    try {
      const docs = Array.from({ length: 5 }, (_, i) => ({ i }));
      const b = reg.start('db.c', docs, 2, false);
      expect(b.id.isZero()).toBe(false);
      expect(reg.size).toBe(1);
      reg.expire(Date.now() + 9 * 60_000);
      expect(reg.size).toBe(1);
      reg.expire(Date.now() + 11 * 60_000);
      expect(reg.size).toBe(0);
      expect(() => reg.next(b.id, 'db.c', 2)).toThrow(/not found/);
    } finally {
      reg.close();
    }
  });

  it('journals post-images in order and replays them into an identical engine', () => {
    const a = new Engine();
    const c = a.ensureCollection('db', 'c');
    c.createIndex({ name: 'k_1', key: { k: 1 }, unique: true });
    const d1 = c.insert({ _id: 1, k: 'a' });
    c.insert({ _id: 2, k: 'b' });
    c.replace(d1, { _id: 1, k: 'c' });
    c.remove({ _id: 2 });
    const records = a.takeRecords();
    expect(records.map((r) => r.op)).toEqual([
      'createCollection',
      'createIndex',
      'put',
      'put',
      'put',
      'del',
    ]);
    const b = new Engine();
    for (const r of records) b.apply(r);
    const replayed = b.collection('db', 'c')!;
    expect([...replayed.docs.values()]).toEqual([{ _id: 1, k: 'c' }]);
    expect(() => replayed.insert({ _id: 3, k: 'c' })).toThrow(/E11000/);
    expect([...b.dump()].filter((r) => r.op === 'put')).toHaveLength(1);
  });

  it('sweeps TTL indexes by range, leaving fresh and non-date values', () => {
    const e = new Engine();
    const c = e.ensureCollection('db', 'ttl');
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 10 });
    const now = Date.now();
    c.insert({ _id: 1, at: new Date(now - 60_000) });
    c.insert({ _id: 2, at: new Date(now) });
    c.insert({ _id: 3, at: 'soon' });
    c.insert({ _id: 4, at: [new Date(now), new Date(now - 20_000)] });
    expect(sweepExpired(e, now)).toBe(2);
    expect([...c.docs.values()].map((d) => d._id)).toEqual([2, 3]);
  });

  it('answers range lookups from the sorted index after inserts and deletes', () => {
    const e = new Engine();
    const c = e.ensureCollection('db', 'r');
    c.createIndex({ name: 'n_1', key: { n: 1 } });
    for (let i = 0; i < 1000; i++) c.insert({ _id: i, n: (i * 37) % 1000 });
    const stats = { docsExamined: 0, keysExamined: 0 };
    expect(
      c
        .find({ n: { $gte: 10, $lt: 20 } }, stats)
        .map((d) => d.n)
        .sort((x, y) => x - y),
    ).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(stats.docsExamined).toBe(10);
    for (const d of c.find({ n: { $lt: 15 } })) c.remove(d);
    c.insert({ _id: 5000, n: 12 });
    expect(
      c
        .find({ n: { $gte: 10, $lt: 20 } })
        .map((d) => d.n)
        .sort((x, y) => x - y),
    ).toEqual([12, 15, 16, 17, 18, 19]);
  });

  it('sweeps in bounded slices, even when thousands of documents share one expiry', () => {
    const e = new Engine();
    const c = e.ensureCollection('db', 'ttl');
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 0 });
    const now = Date.now();
    const expired = new Date(now - 1000);
    for (let i = 0; i < 5_000; i++) c.insert({ _id: i, at: expired });
    for (let i = 0; i < 50; i++) c.insert({ _id: `fresh-${i}`, at: new Date(now + 60_000 + i) });
    e.takeRecords();
    const slices: number[] = [];
    for (;;) {
      const slice = sweepExpiredSlice(e, now, Infinity);
      slices.push(slice.removed);
      expect(e.takeRecords()).toHaveLength(slice.removed); // each slice journals its deletions
      if (slice.done) break;
    }
    expect(Math.max(...slices)).toBeLessThanOrEqual(256);
    expect(slices.reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(c.docs.size).toBe(50);
    expect(c.find({ at: { $gte: new Date(now) } })).toHaveLength(50);
  });

  it('stops a slice at its deadline and finishes on later calls', () => {
    const e = new Engine();
    const c = e.ensureCollection('db', 'ttl');
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 0 });
    const now = Date.now();
    for (let i = 0; i < 1_000; i++) c.insert({ _id: i, at: new Date(now - 10_000 + i) });
    const first = sweepExpiredSlice(e, now, 0); // deadline already passed
    expect(first).toEqual({ removed: 8, done: false });
    expect(sweepExpired(e, now)).toBe(992);
    expect(c.docs.size).toBe(0);
  });

  it('keeps a key shared by one, a few and many documents exact as they come and go', () => {
    const e = new Engine();
    const c = e.ensureCollection('db', 'shared');
    c.createIndex({ name: 'k_1', key: { k: 1 } });
    const ids = (q: object): number[] =>
      c
        .find(q)
        .map((d) => d._id as number)
        .sort((x, y) => x - y);
    for (let n = 1; n <= 20; n++) {
      c.insert({ _id: n, k: 'shared' });
      expect(ids({ k: 'shared' })).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    for (let n = 20; n >= 1; n--) {
      c.remove(c.find({ _id: n })[0]);
      expect(ids({ k: 'shared' })).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
      expect(ids({ k: { $gte: 'shared' } })).toEqual(ids({ k: 'shared' }));
    }
    c.insert({ _id: 99, k: 'shared' });
    expect(ids({ k: { $lte: 'shared' } })).toEqual([99]);
  });
});
