import type { Db, MongoClient } from 'mongodb';
import { createHash } from 'node:crypto';
import {
  bootstrapAdminOf,
  makeTmpDir,
  sleep,
  startApp,
  startDb,
  type AppProcess,
} from '../support/process';
import { connect, countsOf } from '../support/db';
import { generateCases, type HostileCase, type HostileContext } from '../support/hostile/cases';
import {
  basic,
  FORM,
  getProtected,
  parseJson,
  prng,
  send,
  type RawResponse,
} from '../support/http';
import { stopEverything } from '../support/lifecycle';
import {
  asymmetricForgeries,
  claimForgeries,
  decode,
  garbageTokens,
} from '../support/hostile/jwt-forge';

/**
 * Thousands of generated malformed requests against one
 * spawned server. Zero 5xx, every 4xx in the `{error, error_description}` format, nothing stored
 * changes, the process stays up, and its memory returns near its baseline.
 */

const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 1_000_000);
const ROUND = 1100; // two rounds: ≥ 2,000 malformed requests in all, as the issue asks
const WARM_UP = 1000; // same generator, other seed; not counted in the 2,000
const LANES = 16;
/**
 * RSS growth allowed from a warmed-up baseline to after both rounds. The barrage moves ~100 MB of
 * oversized bodies and ~2,200 requests; a leak of the request, its body or its parsed JSON per
 * request would exceed this, while allocator slack, JIT code and bounded caches (verified-token
 * LRU, rate-limit buckets, audit batch) stay well under it.
 */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
const STORED = ['clients', 'tokens', 'config', 'revoked_tokens', 'used_refresh_tokens'];
const BODY_LIMIT = 65536;

/** Whatever a correct server may answer to `c`; returns the problem, or undefined. */
function judge(c: HostileCase, res: RawResponse | { transportError: string }): string | undefined {
  if ('transportError' in res) {
    // An oversized request may be answered and the socket closed while the client still writes.
    const tolerated =
      /hugeBody|headerOverflow/.test(c.id) &&
      /ECONNRESET|EPIPE|socket hang up/.test(res.transportError);
    return tolerated ? undefined : `transport error ${res.transportError}`;
  }
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 400) {
    const body = parseJson(res);
    if (typeof body.error !== 'string' || typeof body.error_description !== 'string') {
      return `${res.status} not in the error format: ${res.text.slice(0, 300)}`;
    }
    return undefined;
  }
  if (c.expect === 'reject') return `accepted with ${res.status}: ${res.text.slice(0, 300)}`;
  return c.check?.(res);
}

async function barrage(baseUrl: string, cases: HostileCase[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++];
      // Not `instanceof Error`: node:http's errors come from outside jest's sandbox realm.
      const res = await send(baseUrl, { ...c.req, ownConnection: true }).catch((err: unknown) => ({
        transportError: String(err),
      }));
      const problem = judge(c, res);
      // Paths can be kilobytes long; the case id replays the rest.
      if (problem) problems.push(`${c.id} ${c.req.method} ${c.req.path.slice(0, 120)}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  return problems;
}

/** Stored state that must not change: counts, the config document, every client document. */
async function storedState(db: Db): Promise<Record<string, unknown>> {
  const clients = await db.collection('clients').find({}).sort({ client_id: 1 }).toArray();
  // Successful authentications (the test's own) may stamp last-used times; nothing else may move.
  const digest = createHash('sha256')
    .update(JSON.stringify(clients, (k, v: unknown) => (k === 'last_used_at' ? undefined : v)))
    .digest('hex');
  const config = await db.collection('config').findOne({ _id: 'jwt_config' as never });
  return { counts: await countsOf(db, STORED), clients: digest, config };
}

describe('hostile input against one running server', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let app: AppProcess;
  let mongo: MongoClient;
  let db: Db;
  let admin: { clientId: string; secret: string };
  let esToken: string;
  /** Phase 1's forgeries of the asymmetric token, replayed in phase 2 (where HS256 is allowed). */
  let asymForged: string[] = [];
  let rssBaseline = 0;

  const ccToken = async (): Promise<string> => {
    const res = await send(app.baseUrl, {
      method: 'POST',
      path: '/oauth/token',
      headers: { ...FORM, authorization: basic(admin.clientId, admin.secret) },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    return parseJson(res).access_token as string;
  };
  const introspect = async (token: string): Promise<unknown> =>
    parseJson(
      await send(app.baseUrl, {
        method: 'POST',
        path: '/oauth/introspect',
        headers: { ...FORM, authorization: basic(admin.clientId, admin.secret) },
        body: new URLSearchParams({ token }).toString(),
      }),
    ).active;
  const context = (
    adminToken: string,
    badTokens: string[],
    bearerOnlyTokens: string[] = [],
  ): HostileContext => ({
    adminBasic: basic(admin.clientId, admin.secret),
    adminBearer: `Bearer ${adminToken}`,
    adminClientId: admin.clientId,
    badTokens,
    bearerOnlyTokens,
    bodyLimit: BODY_LIMIT,
  });

  beforeAll(async () => {
    console.log(`hostile-input seed: ${SEED} (replay with HOSTILE_SEED=${SEED})`);
    tmp = makeTmpDir('hostile-');
    const dbProc = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(dbProc.uri));
    app = await startApp({
      mongoUri: dbProc.uri,
      // Thousands of requests from one IP: the limits are raised so each reaches the code under test.
      env: {
        BOOTSTRAP_ADMIN: 'true',
        MAX_REQUESTS_PER_MINUTE: '1000000',
        MAX_FAILED_AUTH_PER_IP_PER_MINUTE: '1000000',
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
        // The README's production flags (memory-constrained heap sizing): with Node's defaults V8
        // keeps the heap it grew under load (collectable slack, not live data), and RSS could not
        // tell that from a leak.
        NODE_OPTIONS: '--max-old-space-size=512 --max-semi-space-size=8',
      },
    });
    admin = await bootstrapAdminOf(app);
    esToken = await ccToken();
  }, 300_000);

  afterAll(() => stopEverything(mongo, tmp));

  it('asymmetric mode: rejects every forged token and survives a seeded barrage', async () => {
    const { header } = decode(esToken);
    const jwks = parseJson(
      await send(app.baseUrl, { method: 'GET', path: '/.well-known/jwks.json' }),
    );
    const jwk = (jwks.keys as { kid: string }[]).find((k) => k.kid === header.kid);
    expect(jwk).toBeDefined();
    const forged = asymmetricForgeries(esToken, jwk!);
    asymForged = Object.values(forged);

    // Named forgeries first: a failure here says exactly which attack got through.
    for (const [name, token] of Object.entries(forged)) {
      const res = await getProtected(app.baseUrl, token);
      expect({ name, status: res.status, error: parseJson(res).error }).toEqual({
        name,
        status: 401,
        error: 'invalid_token',
      });
      expect({ name, active: await introspect(token) }).toEqual({ name, active: false });
    }

    const ctx = context(esToken, [...Object.values(forged), ...garbageTokens(prng(SEED + 100))]);
    // Warm-up (JIT, pools, caches, the V8 heap grown to its working set) so the memory baseline
    // is a steady state, not a cold start: measured here, RSS rises ~40 MB over the first
    // thousand hostile requests and then stays flat (±15 MB) over five more rounds of 1,000.
    // The baseline is taken before judging, so the memory check stays meaningful on its own.
    const warmUp = await barrage(app.baseUrl, generateCases(SEED + 7, WARM_UP, ctx));
    await sleep(500);
    rssBaseline = app.rssBytes();
    expect(warmUp).toEqual([]);

    const before = await storedState(db);
    expect(await barrage(app.baseUrl, generateCases(SEED, ROUND, ctx))).toEqual([]);
    expect(await storedState(db)).toEqual(before);
    // The genuine token was never revoked or otherwise disturbed by the barrage.
    expect((await getProtected(app.baseUrl, esToken)).status).toBe(200);
  }, 120_000);

  it('HS256 (legacy) mode: claims behind a valid signature are checked, and a second barrage changes nothing', async () => {
    const stored = await db.collection('config').findOne({ _id: 'jwt_config' as never });
    const secret = stored?.SECRET_KEY as string;
    expect(typeof secret).toBe('string');
    await db
      .collection('config')
      .updateOne({ _id: 'jwt_config' as never }, { $set: { ALGORITHM: 'HS256' } });
    // Instances re-read jwt_config periodically; wait (bounded) until this one signs with HS256.
    let hsToken = esToken;
    const deadline = Date.now() + 15_000;
    while (decode(hsToken).header.alg !== 'HS256' && Date.now() < deadline) {
      await sleep(250);
      hsToken = await ccToken();
    }
    expect(decode(hsToken).header.alg).toBe('HS256');

    const { control, forged } = claimForgeries(hsToken, secret);
    // The control is the genuine payload re-signed: accepted, so each forgery fails on its defect.
    expect((await getProtected(app.baseUrl, control)).status).toBe(200);
    expect(await introspect(control)).toBe(true);
    for (const [name, token] of Object.entries(forged)) {
      const res = await getProtected(app.baseUrl, token);
      expect({ name, status: res.status, error: parseJson(res).error }).toEqual({
        name,
        status: 401,
        error: 'invalid_token',
      });
      // A token for another audience is still a valid token of this server: RFC 7662 reports it
      // active (with its aud) and leaves the audience check to the resource server, as above.
      if (name !== 'wrongAud') {
        expect({ name, active: await introspect(token) }).toEqual({ name, active: false });
      }
    }

    const {
      tamperedScope,
      wrongSecret,
      emptySecret,
      wrongAud: _aud,
      ...signedWithServerSecret
    } = forged;
    const ctx = context(
      hsToken,
      [tamperedScope, wrongSecret, emptySecret, ...asymForged, ...garbageTokens(prng(SEED + 100))],
      Object.values(signedWithServerSecret),
    );
    const before = await storedState(db);
    expect(await barrage(app.baseUrl, generateCases(SEED + 1, ROUND, ctx))).toEqual([]);
    expect(await storedState(db)).toEqual(before);
    expect((await getProtected(app.baseUrl, hsToken)).status).toBe(200);
  }, 120_000);

  it('stays up and returns near its memory baseline', async () => {
    expect(app.running).toBe(true);
    expect(rssBaseline).toBeGreaterThan(0); // set by the first test's warm-up
    const health = await send(app.baseUrl, { method: 'GET', path: '/health/ready' });
    expect(health.status).toBe(200);
    // Garbage from the barrage is freed by V8's memory reducer once the process goes idle: allow it
    // some seconds before judging a leak.
    let growth = Infinity;
    for (let waited = 0; waited <= 15_000 && growth >= RSS_GROWTH_BOUND; waited += 500) {
      await sleep(500);
      growth = Math.min(growth, app.rssBytes() - rssBaseline);
    }
    console.log(
      `hostile-input RSS: baseline ${(rssBaseline / 2 ** 20).toFixed(1)} MB, growth ${(growth / 2 ** 20).toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
  }, 60_000);
});
