import type { Db, MongoClient } from 'mongodb';
import {
  makeTmpDir,
  sleep,
  startApp,
  startDb,
  type AppProcess,
  type DbProcess,
} from '../support/process';
import { connect, insertLegacyClients, waitForAudit } from '../support/db';
import {
  getProtected,
  JSON_TYPE,
  parseJson,
  legacyRefresh,
  legacyToken,
  send,
  type RawResponse,
} from '../support/http';
import { stopEverything } from '../support/lifecycle';

/**
 * Three app processes sharing one standalone embedded database behave as one
 * server — one global rate limit, revocations and refresh-token reuse seen by every instance.
 */

/** Small, so the burst below overshoots it threefold. */
const LIMIT = 20;
/** The promise to operators: a revocation made through one instance is enforced by the others within 1 s. */
const REVOCATION_BOUND_MS = 1000;

const CLIENTS = {
  limited: { clientId: 'scale-limited', secret: 'scale-limited-secret' },
  revoker: { clientId: 'scale-revoker', secret: 'scale-revoker-secret' },
  reuser: { clientId: 'scale-reuser', secret: 'scale-reuser-secret' },
};
/** Registered with a grace period (a field the FastAPI service's documents never carry). */
const GRACEFUL = { clientId: 'scale-graceful', secret: 'scale-graceful-secret' };
/** Below the rate limit (per client and IP), so every concurrent retry reaches the grace rule. */
const GRACE_RETRIES = 18;

/**
 * The limit is per client + IP. TRUST_PROXY=true lets each request name its IP, so only the
 * rate-limit case shares one key and the other cases (which poll) never meet the small limit.
 */
let ipCounter = 0;
const freshIp = (): Record<string, string> => {
  ipCounter++;
  return { 'x-forwarded-for': `10.77.${(ipCounter >> 8) & 255}.${ipCounter & 255}` };
};

function expectOAuthError(res: RawResponse, status: number, error?: string): void {
  const body = parseJson(res);
  expect({ status: res.status, error: body.error }).toEqual({ status, error: error ?? body.error });
  expect(typeof body.error).toBe('string');
  expect(typeof body.error_description).toBe('string');
}

/** Polls `check` on every instance until all answer `status`; returns the elapsed time. */
async function untilAll(
  apps: AppProcess[],
  check: (app: AppProcess) => Promise<RawResponse>,
  status: number,
  deadlineMs: number,
): Promise<{ elapsedMs: number; last: number[] }> {
  const start = Date.now();
  let last: number[] = [];
  for (;;) {
    last = (await Promise.all(apps.map(check))).map((r) => r.status);
    const elapsedMs = Date.now() - start;
    if (last.every((s) => s === status) || elapsedMs > deadlineMs) return { elapsedMs, last };
    await sleep(20);
  }
}

describe('scale-out: three app instances on one standalone database', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let dbProc: DbProcess;
  let mongo: MongoClient;
  let db: Db;
  let apps: AppProcess[];

  beforeAll(async () => {
    tmp = makeTmpDir('scale-out-');
    dbProc = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(dbProc.uri));
    await insertLegacyClients(db, Object.values(CLIENTS));
    await insertLegacyClients(db, [GRACEFUL]);
    await db
      .collection('clients')
      .updateOne(
        { client_id: GRACEFUL.clientId },
        { $set: { refresh_grace_seconds: 30, grant_types: ['password', 'refresh_token'] } },
      );
    const env = {
      MAX_REQUESTS_PER_MINUTE: String(LIMIT),
      TRUST_PROXY: 'true',
      // One service behind a load balancer: every instance has the same public issuer URL.
      ISSUER: 'http://127.0.0.1:8000',
    };
    apps = await Promise.all([0, 1, 2].map(() => startApp({ mongoUri: dbProc.uri, env })));
  }, 300_000);

  afterAll(() => stopEverything(mongo, tmp));

  it('holds one rate limit across all instances (total accepted within the limit)', async () => {
    const { clientId, secret } = CLIENTS.limited;
    // The first use of a FastAPI-era plaintext secret migrates it to a hash; do that once, from
    // another IP (another rate-limit key), so the burst below measures only the limiter.
    expect((await legacyToken(apps[0].baseUrl, clientId, secret, freshIp())).res.status).toBe(200);

    // Windows are fixed minutes: a burst straddling a boundary may legitimately get 2 × LIMIT.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await sleep(60_000 - intoMinute + 200);

    const sameKey = { 'x-forwarded-for': '203.0.113.7' };
    const burst = 3 * LIMIT;
    const results = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        legacyToken(apps[i % apps.length].baseUrl, clientId, secret, sameKey),
      ),
    );
    const accepted = results.filter((r) => r.res.status === 200);
    const refused = results.filter((r) => r.res.status === 429);
    expect(accepted.length + refused.length).toBe(burst);
    expect(accepted.length).toBeLessThanOrEqual(LIMIT);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const { res } of refused) {
      expectOAuthError(res, 429, 'rate_limit_exceeded');
      expect(String(res.headers['retry-after'])).toMatch(/^\d+$/);
    }
    const audited = await waitForAudit(db, {
      event_type: 'rate_limit_exceeded',
      client_id: clientId,
      ip: '203.0.113.7',
    });
    expect(audited.length).toBeGreaterThanOrEqual(1);
  });

  it('enforces a revocation made through one instance on the others within 1 s', async () => {
    const [a, b, c] = apps;
    const { pair } = await legacyToken(
      a.baseUrl,
      CLIENTS.revoker.clientId,
      CLIENTS.revoker.secret,
      freshIp(),
    );
    const access = pair!.access_token;
    // Every instance accepts (and so may have cached) the token before the revocation.
    for (const app of apps)
      expect((await getProtected(app.baseUrl, access, freshIp())).status).toBe(200);

    const revoke = await send(a.baseUrl, {
      method: 'POST',
      path: '/revoke',
      headers: { ...JSON_TYPE, ...freshIp() },
      body: JSON.stringify({ access_token: access }),
    });
    expect(revoke.status).toBe(200);

    // A correctness bound from the issue, measured by polling with a deadline.
    const { elapsedMs, last } = await untilAll(
      [b, c],
      (app) => getProtected(app.baseUrl, access, freshIp()),
      401,
      REVOCATION_BOUND_MS,
    );
    expect(last).toEqual([401, 401]);
    expect(elapsedMs).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
    expectOAuthError(await getProtected(c.baseUrl, access, freshIp()), 401, 'invalid_token');
  });

  it('detects refresh-token reuse across instances and revokes the whole family', async () => {
    const [a, b, c] = apps;
    const { clientId, secret } = CLIENTS.reuser;
    const first = (await legacyToken(a.baseUrl, clientId, secret, freshIp())).pair!;
    const rotated = await legacyRefresh(a.baseUrl, first.refresh_token, freshIp());
    expect(rotated.res.status).toBe(200);
    const next = rotated.pair!;
    expect((await getProtected(c.baseUrl, next.access_token, freshIp())).status).toBe(200);

    // The old refresh token, already rotated on A, presented to B: reuse.
    const reuse = await legacyRefresh(b.baseUrl, first.refresh_token, freshIp());
    expectOAuthError(reuse.res, 401);
    const audited = await waitForAudit(db, {
      event_type: 'refresh_token_reuse',
      client_id: clientId,
    });
    expect(audited.length).toBeGreaterThanOrEqual(1);
    // Audit entries never carry a whole token.
    expect(JSON.stringify(audited)).not.toContain(first.refresh_token);

    // The family is revoked: the refresh token A handed out is dead everywhere…
    expectOAuthError((await legacyRefresh(c.baseUrl, next.refresh_token, freshIp())).res, 401);
    // …and so is the access token issued with it, on every instance within the same bound.
    const { last } = await untilAll(
      apps,
      (app) => getProtected(app.baseUrl, next.access_token, freshIp()),
      401,
      REVOCATION_BOUND_MS,
    );
    expect(last).toEqual([401, 401, 401]);
  });

  it('a grace-period retry spread over all instances mints once and returns one pair', async () => {
    const first = (
      await legacyToken(apps[0].baseUrl, GRACEFUL.clientId, GRACEFUL.secret, freshIp())
    ).pair!;
    const sameIp = freshIp();
    const results = await Promise.all(
      Array.from({ length: GRACE_RETRIES }, (_, i) =>
        legacyRefresh(apps[i % apps.length].baseUrl, first.refresh_token, sameIp),
      ),
    );
    expect(results.map((r) => r.res.status)).toEqual(Array<number>(GRACE_RETRIES).fill(200));
    const pairs = new Set(
      results.map((r) => JSON.stringify([r.pair!.access_token, r.pair!.refresh_token])),
    );
    expect(pairs.size).toBe(1);
    // One token issued at login, one by the single rotation: nothing else was minted.
    expect(await db.collection('tokens').countDocuments({ client_id: GRACEFUL.clientId })).toBe(2);
    const replayed = await waitForAudit(db, {
      event_type: 'refresh_token_grace_replayed',
      client_id: GRACEFUL.clientId,
    });
    expect(replayed.length).toBeGreaterThanOrEqual(1);

    // The same spent token from another IP, on another instance: reuse, the family is revoked.
    const next = results[0].pair!;
    expectOAuthError(
      (await legacyRefresh(apps[2].baseUrl, first.refresh_token, freshIp())).res,
      401,
    );
    expectOAuthError((await legacyRefresh(apps[1].baseUrl, next.refresh_token, sameIp)).res, 401);
    const { last } = await untilAll(
      apps,
      (app) => getProtected(app.baseUrl, next.access_token, freshIp()),
      401,
      REVOCATION_BOUND_MS,
    );
    expect(last).toEqual([401, 401, 401]);
  });
});
