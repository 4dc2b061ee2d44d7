import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { LiveInstancesService } from '../../src/rate-limiting/live-instances.service';
import { QuotaReservationStorage } from '../../src/rate-limiting/quota-reservation.storage';
import { startHttpTestApp, type HttpTestApp } from './http-app';

export interface RateLimitedPair {
  db: Db;
  a: HttpTestApp;
  b: HttpTestApp;
  /** Start of the window both limiters' clocks are pinned into. */
  windowStart: number;
  close(): Promise<void>;
}

/**
 * Two app instances on one database whose jwt_config (the FastAPI service's document) sets the
 * per-client limit. The limiters' clocks are pinned one second into a window, so no run straddles
 * two windows and every Retry-After is 59. Both instances count each other, so each one's first
 * reservation of a key is half the limit (rounded down).
 */
export async function startRateLimitedPair(
  limit: number,
  env: Record<string, string> = {},
): Promise<RateLimitedPair> {
  const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
  const server: EmbeddedMongo = await startEmbeddedMongo({ logger: false });
  const mongo = await MongoClient.connect(server.uri);
  const db = mongo.db('oauth2_m2m');
  await db.collection('config').insertOne({
    _id: 'jwt_config' as never,
    SECRET_KEY: 'rate-limit-e2e-secret-key-0123456789',
    ALGORITHM: 'ES256',
    ACCESS_TOKEN_EXPIRE_MINUTES: 15,
    MAX_REQUESTS_PER_MINUTE: limit,
  });
  const a = await startHttpTestApp({ mongoUri: server.uri, env });
  const b = await startHttpTestApp({ mongoUri: server.uri, env });
  for (const t of [a, b]) t.app.get(QuotaReservationStorage).clock = () => windowStart + 1_000;
  // a counted the live instances before b started; make both see two now, as their next
  // heartbeat would within a few seconds.
  for (const t of [a, b]) await t.app.get(LiveInstancesService).beat();
  const close = async (): Promise<void> => {
    for (const t of [a, b]) await t.close();
    await mongo.close();
    await server.stop();
  };
  return { db, a, b, windowStart, close };
}
