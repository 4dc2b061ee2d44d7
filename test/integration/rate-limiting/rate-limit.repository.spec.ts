import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import {
  RateLimitRepository,
  type WindowRef,
} from '../../../src/rate-limiting/rate-limit.repository';
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
      (c) => new RateLimitRepository(c.model(RateLimit.name, RateLimitSchema) as never),
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

  it('declares the TTL indexes', async () => {
    await connections[0].model(RateLimit.name).syncIndexes();
    const indexes = await connections[0].collection('rate_limits').indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expires_at: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { timestamp: 1 }, expireAfterSeconds: 86_400 }),
      ]),
    );
  });
});
