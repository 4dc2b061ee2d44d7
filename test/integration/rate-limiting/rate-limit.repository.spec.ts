import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import {
  RateLimitRepository,
  type WindowRef,
} from '../../../src/rate-limiting/rate-limit.repository';
import {
  RateLimitInstance,
  RateLimitInstanceSchema,
} from '../../../src/rate-limiting/schemas/rate-limit-instance.schema';
import { RateLimit, RateLimitSchema } from '../../../src/rate-limiting/schemas/rate-limit.schema';

/** Against the real embedded server, through two connections, like two app instances. */
describe('RateLimitRepository (embedded database)', () => {
  let server: EmbeddedMongo;
  let connections: Connection[];
  let repos: RateLimitRepository[];

  beforeAll(async () => {
    server = await startEmbeddedMongo({ logger: false });
    connections = await Promise.all(
      [0, 1].map((i) =>
        mongoose
          .createConnection(server.uri, { dbName: 'rate_limit_spec', maxPoolSize: 10 + i })
          .asPromise(),
      ),
    );
    repos = connections.map(
      (c) =>
        new RateLimitRepository(
          c.model(RateLimit.name, RateLimitSchema) as never,
          c.model(RateLimitInstance.name, RateLimitInstanceSchema) as never,
        ),
    );
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await server.stop();
  });

  const windowRef = (id: string): WindowRef => ({
    id,
    start: new Date(1_700_000_040_000),
    expiresAt: new Date(1_700_000_100_000),
  });

  it('creates the window document in the FastAPI service shape on first use', async () => {
    const result = await repos[0].reserve(windowRef('c1:10.0.0.1:1700000040'), 3, 60);
    expect(result).toEqual({ granted: 3, count: 3 });
    const doc = await connections[0]
      .collection('rate_limits')
      .findOne({ _id: 'c1:10.0.0.1:1700000040' as never });
    expect(doc).toEqual({
      _id: 'c1:10.0.0.1:1700000040',
      count: 3,
      timestamp: new Date(1_700_000_040_000),
      expires_at: new Date(1_700_000_100_000),
    });
  });

  it('grants only the room left, then nothing', async () => {
    const w = windowRef('c2:10.0.0.1:1700000040');
    expect(await repos[0].reserve(w, 8, 10)).toEqual({ granted: 8, count: 8 });
    expect(await repos[1].reserve(w, 8, 10)).toEqual({ granted: 2, count: 10 });
    expect(await repos[0].reserve(w, 1, 10)).toEqual({ granted: 0, count: 10 });
  });

  it('never grants more than the limit to concurrent reservations from two connections', async () => {
    const w = windowRef('c3:10.0.0.1:1700000040');
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => repos[i % 2].reserve(w, 1 + (i % 4), 50)),
    );
    const granted = results.reduce((sum, r) => sum + r.granted, 0);
    expect(granted).toBe(50);
    const doc = await connections[0].collection('rate_limits').findOne({ _id: w.id as never });
    expect(doc?.count).toBe(50);
  });

  it('never reports a window full that is not, when concurrent increments keep moving its counter', async () => {
    const w = windowRef('c6:10.0.0.1:1700000040');
    await repos[0].reserveFirst(w, 100, 1_000);
    // One big reservation against a stream of small ones from the other connection.
    const small = Array.from({ length: 200 }, () => repos[1].reserve(w, 1, 1_000));
    const big = await repos[0].reserve(w, 500, 1_000);
    await Promise.all(small);
    expect(big.granted === 500 || big.count < 1_000).toBe(true);
    const doc = await connections[0].collection('rate_limits').findOne({ _id: w.id as never });
    expect(doc?.count).toBe(300 + big.granted);
  });

  it('creates the window holding a first reservation in one write; a later first one increments it', async () => {
    const w = windowRef('c4:10.0.0.1:1700000040');
    expect(await repos[0].reserveFirst(w, 6, 10)).toEqual({ granted: 6, count: 6 });
    expect(await connections[0].collection('rate_limits').findOne({ _id: w.id as never })).toEqual({
      _id: w.id,
      count: 6,
      timestamp: new Date(1_700_000_040_000),
      expires_at: new Date(1_700_000_100_000),
    });
    // The other instance's first reservation finds the document and gets only the room left.
    expect(await repos[1].reserveFirst(w, 6, 10)).toEqual({ granted: 4, count: 10 });
    expect(await repos[1].reserveFirst(w, 6, 10)).toEqual({ granted: 0, count: 10 });
  });

  it('never grants more than the limit to concurrent first reservations from two connections', async () => {
    const w = windowRef('c5:10.0.0.1:1700000040');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => repos[i % 2].reserveFirst(w, 7, 30)),
    );
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(30);
    const doc = await connections[0].collection('rate_limits').findOne({ _id: w.id as never });
    expect(doc?.count).toBe(30);
  });

  it('counts the instances whose heartbeat has not expired, and forgets one that leaves', async () => {
    const now = new Date(1_700_000_000_000);
    const later = (ms: number) => new Date(now.getTime() + ms);
    await repos[0].beat('host-a:1:aaaa', later(15_000));
    await repos[1].beat('host-b:2:bbbb', later(15_000));
    await repos[1].beat('host-c:3:cccc', later(-1));
    // Renewing a heartbeat updates the instance's document; it does not add one.
    await repos[0].beat('host-a:1:aaaa', later(20_000));
    expect(await repos[0].countLiveInstances(now)).toBe(2);
    expect(await repos[1].countLiveInstances(later(16_000))).toBe(1);
    await repos[1].forgetInstance('host-b:2:bbbb');
    expect(await repos[0].countLiveInstances(now)).toBe(1);
    expect(
      await connections[0]
        .collection('rate_limit_instances')
        .findOne({ _id: 'host-a:1:aaaa' as never }),
    ).toEqual({ _id: 'host-a:1:aaaa', expires_at: later(20_000) });
  });

  it('declares the TTL indexes', async () => {
    await connections[0].model(RateLimit.name).syncIndexes();
    const indexes = await connections[0].collection('rate_limits').indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expires_at: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { timestamp: 1 }, expireAfterSeconds: 86_400 }),
      ]),
    );
    await connections[0].model(RateLimitInstance.name).syncIndexes();
    expect(await connections[0].collection('rate_limit_instances').indexes()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expires_at: 1 }, expireAfterSeconds: 0 }),
      ]),
    );
  });
});
