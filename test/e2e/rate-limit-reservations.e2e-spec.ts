import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { Db } from 'mongodb';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { requestClientCredentials, type HttpTestApp } from '../support/http-app';
import { startRateLimitedPair, type RateLimitedPair } from '../support/rate-limit-apps';

/**
 * What the limit costs the database: two instances on one embedded database count each other by
 * heartbeat, so each one's first reservation of a key is a third of the limit (one share is kept
 * back for an instance not counted yet), and the requests that fit in it cost no further
 * rate_limits operation.
 */
describe('rate-limit reservations (one per key, window and instance within its share)', () => {
  const LIMIT = 15;
  const SHARE = LIMIT / 3;
  let pair: RateLimitedPair;
  let db: Db;
  let a: HttpTestApp;
  let b: HttpTestApp;
  /** The operations each instance sent to rate_limits, in order (Mongoose's public debug hook). */
  const ops = new Map<HttpTestApp, string[]>();

  const sequentially = async (t: HttpTestApp, client: TestClient, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++)
      statuses.push(
        (await requestClientCredentials(t.app, client.clientId, client.secret)).statusCode,
      );
    return statuses;
  };

  beforeAll(async () => {
    pair = await startRateLimitedPair(LIMIT);
    ({ db, a, b } = pair);
    for (const t of [a, b]) {
      const log: string[] = [];
      ops.set(t, log);
      t.app
        .get<Connection>(getConnectionToken())
        .set('debug', (collection: string, method: string) => {
          if (collection === 'rate_limits') log.push(method);
        });
    }
  });

  afterAll(() => pair?.close());

  it('admits a share of requests of one key after exactly one write, then splits the rest exactly', async () => {
    const client = await createClient(a.app);
    const windowId = `${client.clientId}:127.0.0.1:${pair.windowStart / 1000}`;
    for (const log of ops.values()) log.length = 0;

    // The first instance's share: one insert creates the window already holding it.
    expect(await sequentially(a, client, SHARE)).toEqual(Array(SHARE).fill(200));
    expect(ops.get(a)).toEqual(['insertOne']);
    expect(await db.collection('rate_limits').findOne({ _id: windowId as never })).toEqual({
      _id: windowId,
      count: SHARE,
      timestamp: new Date(pair.windowStart),
      expires_at: new Date(pair.windowStart + 60_000),
    });

    // The second instance's share: its insert meets the document, one conditional increment
    // reserves the rest.
    expect(await sequentially(b, client, SHARE)).toEqual(Array(SHARE).fill(200));
    expect(ops.get(b)).toEqual(['insertOne', 'findOneAndUpdate']);
    expect((await db.collection('rate_limits').findOne({ _id: windowId as never }))?.count).toBe(
      2 * SHARE,
    );
    // The share kept back goes to whoever asks, one request at a time, and no further.
    const rest = [...(await sequentially(a, client, SHARE)), ...(await sequentially(b, client, 3))];
    expect(rest.filter((status) => status === 200)).toHaveLength(LIMIT - 2 * SHARE);
    expect(rest.filter((status) => status === 429)).toHaveLength(3);
    expect((await db.collection('rate_limits').findOne({ _id: windowId as never }))?.count).toBe(
      LIMIT,
    );
    // Once an instance has seen the window full, it refuses from memory: no operation at all.
    const seen = new Map([...ops].map(([t, log]) => [t, log.length]));
    expect(await sequentially(b, client, 3)).toEqual([429, 429, 429]);
    expect(ops.get(b)!.length).toBe(seen.get(b));
  });
});
