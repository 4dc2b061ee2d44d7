import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
} from 'bson';
import { crc32, crc32Fallback } from './crc32';
import { JournalPersistence } from './journal-persistence';
import { MemoryPersistence } from './memory-persistence';
import type { JournalRecord } from './persistence.types';
import { capturingLogger, makeTmpDir, put, StateModel } from './__fixtures__/test-utils';

describe('JournalPersistence basics', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  beforeEach(() => (tmp = makeTmpDir()));
  afterEach(() => tmp.cleanup());

  async function reload(): Promise<{ p: JournalPersistence; records: JournalRecord[] }> {
    const records: JournalRecord[] = [];
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load((r) => records.push(r));
    return { p, records };
  }

  it('crc32 native and table implementations agree', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32Fallback(data)).toBe(0x414fa339);
  });

  it('round-trips every record kind and BSON type exactly', async () => {
    const oid = new ObjectId();
    const doc = {
      _id: oid,
      date: new Date('2024-02-29T12:34:56.789Z'),
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(5),
      bin: new Binary(Buffer.from([0, 1, 2, 255]), 0),
      uuid: new UUID('0e3f7b1c-6a3e-4d3e-9b1f-2a7c4d5e6f70'),
      dec: Decimal128.fromString('1234.5678901234567890'),
      ts: new Timestamp({ t: 1700000000, i: 7 }),
      re: /^a.*z$/i,
      min: new MinKey(),
      max: new MaxKey(),
      num: 42,
      dbl: 1.5,
      nested: { arr: [1, 'two', null, { three: [oid] }], empty: {} },
      str: 'ünïcødé',
      bool: false,
      nil: null,
    };
    const input: JournalRecord[] = [
      { op: 'createCollection', db: 'd', coll: 'c', options: { capped: false } },
      {
        op: 'createIndex',
        db: 'd',
        coll: 'c',
        spec: {
          name: 'a_1',
          key: { a: 1 },
          unique: true,
          partialFilterExpression: { a: { $gt: 1 } },
        },
      },
      { op: 'put', db: 'd', coll: 'c', doc },
      { op: 'del', db: 'd', coll: 'c', id: oid },
      { op: 'del', db: 'd', coll: 'c', id: { compound: 1, k: 'x' } },
      { op: 'del', db: 'd', coll: 'c', id: 'plain' },
      { op: 'dropIndex', db: 'd', coll: 'c', name: 'a_1' },
      { op: 'dropCollection', db: 'd', coll: 'c' },
      { op: 'dropDatabase', db: 'd' },
    ];
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    await p.append(input);
    await p.close();

    const { p: p2, records } = await reload();
    await p2.close();
    expect(records).toStrictEqual(input);
    const got = (records[2] as Extract<JournalRecord, { op: 'put' }>).doc;
    expect(got.long).toBeInstanceOf(Long);
    expect((got.long as Long).toString()).toBe('9007199254740993');
    expect(got.smallLong).toBeInstanceOf(Long);
    expect(got._id).toBeInstanceOf(ObjectId);
    expect(got.dec).toBeInstanceOf(Decimal128);
    expect((got.dec as Decimal128).toString()).toBe('1234.5678901234567890');
    expect(got.date).toBeInstanceOf(Date);
    expect(got.bin).toBeInstanceOf(Binary);
    expect((records[3] as Extract<JournalRecord, { op: 'del' }>).id).toBeInstanceOf(ObjectId);
  });

  it('honours custom deserialize options for engines holding wrapper types', async () => {
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    await p.append([put(1, { d: new Double(2), i: new Int32(3) })]);
    await p.close();
    const records: JournalRecord[] = [];
    const p2 = new JournalPersistence(tmp.dir, { deserializeOptions: { promoteValues: false } });
    await p2.load((r) => records.push(r));
    await p2.close();
    const doc = (records[0] as Extract<JournalRecord, { op: 'put' }>).doc;
    expect(doc.d).toBeInstanceOf(Double);
    expect(doc.i).toBeInstanceOf(Int32);
  });

  it('keeps call order under many concurrent appenders and resolves each once durable', async () => {
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => p.append([put(i), put(i, { second: true })])),
    );
    expect(p.journalBytes).toBeGreaterThan(0);
    await p.close();
    const { p: p2, records } = await reload();
    await p2.close();
    expect(records).toHaveLength(1000);
    records.forEach((r, i) =>
      expect(r).toEqual(put(Math.floor(i / 2), i % 2 ? { second: true } : {})),
    );
  });

  it('close() flushes appends that were not awaited, later appends reject', async () => {
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    const pending = [p.append([put(1)]), p.append([put(2)])];
    await p.close();
    await Promise.all(pending);
    await expect(p.append([put(3)])).rejects.toThrow(/closed/);
    await expect(p.compact(() => [])).rejects.toThrow(/closed/);
    await p.close(); // idempotent
    const { p: p2, records } = await reload();
    await p2.close();
    expect(records).toEqual([put(1), put(2)]);
  });

  it('rejects append before load and a second load', async () => {
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await expect(p.append([put(1)])).rejects.toThrow(/load/);
    await p.load(() => undefined);
    await expect(p.load(() => undefined)).rejects.toThrow(/once/);
    await p.close();
  });

  it('a record that cannot be encoded rejects only its own call', async () => {
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    const circular: Record<string, unknown> = { _id: 'loop' };
    circular.self = circular;
    const bad: JournalRecord = { op: 'put', db: 'd', coll: 'c', doc: circular };
    const results = await Promise.allSettled([
      p.append([put(1)]),
      p.append([bad]),
      p.append([put(2)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await p.close();
    const { p: p2, records } = await reload();
    await p2.close();
    expect(records).toEqual([put(1), put(2)]);
  });

  it('fires onCompactNeeded once per threshold crossing', async () => {
    let fired = 0;
    const p = new JournalPersistence(tmp.dir, {
      logger: capturingLogger(),
      compactAfterBytes: 1000,
      onCompactNeeded: () => fired++,
    });
    await p.load(() => undefined);
    expect(p.shouldCompact()).toBe(false);
    for (let i = 0; i < 40; i++) await p.append([put(i)]);
    expect(fired).toBe(1);
    expect(p.shouldCompact()).toBe(true);
    const model = new StateModel();
    await p.close();
    const p2 = new JournalPersistence(tmp.dir, {
      logger: capturingLogger(),
      compactAfterBytes: 1000,
    });
    await p2.load(model.apply);
    expect(p2.shouldCompact()).toBe(true); // replayed bytes count too
    await p2.compact(() => model.dump());
    expect(p2.shouldCompact()).toBe(false);
    expect(p2.journalBytes).toBe(0);
    await p2.close();
  });

  it('MemoryPersistence is a no-op that still refuses use after close', async () => {
    const m = new MemoryPersistence();
    await m.load(() => undefined);
    await m.append([put(1)]);
    await m.compact(() => []);
    await m.close();
    await expect(m.append([put(2)])).rejects.toThrow(/closed/);
  });
});
