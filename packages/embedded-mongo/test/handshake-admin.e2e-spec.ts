import { MongoServerError } from 'mongodb';
import { itEmbedded, openTarget, type Target } from './target';

describe('handshake and admin commands', () => {
  let t: Target;
  beforeAll(async () => {
    t = await openTarget('admin');
  });
  afterAll(() => t.close());

  it('answers hello / isMaster like a standalone mongod', async () => {
    const admin = t.client.db('admin');
    for (const cmd of [{ hello: 1 }, { isMaster: 1 }, { ismaster: 1 }]) {
      const r = await admin.command(cmd);
      expect(r.ok).toBe(1);
      expect(r.maxWireVersion).toBeGreaterThanOrEqual(17);
      expect(r.maxBsonObjectSize).toBe(16777216);
      expect(r.maxMessageSizeBytes).toBe(48000000);
      expect(r.maxWriteBatchSize).toBe(100000);
      expect(r.localTime).toBeInstanceOf(Date);
      expect(r.logicalSessionTimeoutMinutes).toBe(30);
      expect(r.setName).toBeUndefined();
      if ('hello' in cmd) expect(r.isWritablePrimary).toBe(true);
      else expect(r.ismaster).toBe(true);
    }
  });

  itEmbedded('does not advertise topologyVersion or compression', async () => {
    const r = await t.client.db('admin').command({ hello: 1 });
    expect(r.topologyVersion).toBeUndefined();
    expect(r.compression).toBeUndefined();
    expect(r.maxWireVersion).toBe(21);
  });

  it('answers ping, buildInfo, serverStatus, hostInfo, getCmdLineOpts, getParameter, whatsmyuri, connectionStatus', async () => {
    const admin = t.client.db('admin');
    expect((await admin.command({ ping: 1 })).ok).toBe(1);
    // mongod's Linux CPU counters (the benchmark reads the database's CPU from them)
    expect((await admin.command({ serverStatus: 1 })).extra_info).toMatchObject({
      user_time_us: expect.any(Number),
      system_time_us: expect.any(Number),
    });
    const bi = await admin.command({ buildInfo: 1 });
    expect(typeof bi.version).toBe('string');
    expect(Array.isArray(bi.versionArray)).toBe(true);
    expect((await admin.command({ serverStatus: 1 })).ok).toBe(1);
    expect((await admin.command({ hostInfo: 1 })).ok).toBe(1);
    expect((await admin.command({ getCmdLineOpts: 1 })).ok).toBe(1);
    expect((await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).ok).toBe(1);
    expect((await admin.command({ whatsmyuri: 1 })).you).toMatch(/127\.0\.0\.1|:/);
    expect((await admin.command({ connectionStatus: 1 })).ok).toBe(1);
    expect((await admin.command({ endSessions: [] })).ok).toBe(1);
  });

  it('rejects an unknown command with code 59 CommandNotFound', async () => {
    const err = await t.db.command({ noSuchThing: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 59, codeName: 'CommandNotFound' });
    expect((err as MongoServerError).message).toContain("no such command: 'noSuchThing'");
  });

  it('create is ok on an existing collection; drop; listCollections', async () => {
    await t.db.command({ create: 'c1' });
    await expect(t.db.command({ create: 'c1' })).resolves.toMatchObject({ ok: 1 });
    await t.db.collection('c2').insertOne({ a: 1 });
    const names = (await t.db.listCollections().toArray()).map((c) => c.name).sort();
    expect(names).toEqual(['c1', 'c2']);
    const filtered = await t.db.listCollections({ name: 'c2' }, { nameOnly: true }).toArray();
    expect(filtered.map((c) => c.name)).toEqual(['c2']);
    expect(await t.db.collection('c1').drop()).toBe(true);
    expect((await t.db.listCollections().toArray()).map((c) => c.name)).toEqual(['c2']);
  });

  it('listIndexes on a missing collection fails with 26 NamespaceNotFound', async () => {
    const err = await t.db.command({ listIndexes: 'missing', cursor: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 26, codeName: 'NamespaceNotFound' });
  });

  it('listDatabases lists the suite database; dropDatabase removes it', async () => {
    const extra = t.client.db(`${t.dbName}_x`);
    await extra.collection('a').insertOne({ x: 1 });
    const r = await t.client.db('admin').command({ listDatabases: 1 });
    expect(r.databases.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining([t.dbName, `${t.dbName}_x`]),
    );
    expect(typeof r.totalSize).toBe('number');
    await extra.dropDatabase();
    const after = await t.client.db('admin').command({ listDatabases: 1, nameOnly: true });
    expect(after.databases.map((d: { name: string }) => d.name)).not.toContain(`${t.dbName}_x`);
  });

  it('refuses transactions the way a standalone mongod does', async () => {
    const raw = await t.db
      .command({ find: 'c2', filter: {}, txnNumber: 1, startTransaction: true, autocommit: false })
      .catch((e: unknown) => e);
    expect(raw).toMatchObject({ code: 20, codeName: 'IllegalOperation' });
    expect((raw as Error).message).toContain(
      'Transaction numbers are only allowed on a replica set member or mongos',
    );

    const session = t.client.startSession();
    try {
      session.startTransaction();
      const err = await t.db
        .collection('c2')
        .insertOne({ inTxn: true }, { session })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await t.db.collection('c2').countDocuments({ inTxn: true })).toBe(0);
  });

  it('plain writes with retryWrites (the default) still succeed', async () => {
    const r = await t.db.collection('retry').insertOne({ a: 1 });
    expect(r.acknowledged).toBe(true);
    const u = await t.db.collection('retry').updateOne({ a: 1 }, { $set: { b: 2 } });
    expect(u.modifiedCount).toBe(1);
  });
});
