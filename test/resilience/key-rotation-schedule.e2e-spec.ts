import type { Db, MongoClient } from 'mongodb';
import { connect, insertLegacyClients, waitForAudit } from '../support/db';
import { getProtected, parseJson, legacyToken, send } from '../support/http';
import { stopEverything } from '../support/lifecycle';
import { makeTmpDir, sleep, startApp, startDb, type AppProcess } from '../support/process';

const DAY = 86_400_000;
const CLIENT = { clientId: 'rotation-client', secret: 'rotation-client-secret' };
/** One service behind a load balancer: every instance, the first one too, has this issuer. */
const ISSUER = 'http://127.0.0.1:8000';

const kidsIn = async (app: AppProcess): Promise<string[]> => {
  const res = await send(app.baseUrl, { method: 'GET', path: '/.well-known/jwks.json' });
  return (parseJson(res).keys as { kid: string }[]).map((k) => k.kid);
};

/**
 * Scheduled signing-key rotation with real processes: three instances start at once on a key
 * store whose active key is past its period; exactly one of them rotates.
 */
describe('scheduled key rotation: three instances on one database', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let mongo: MongoClient;
  let db: Db;
  let apps: AppProcess[] = [];
  let oldToken: string;
  let before: { kid: string; status: string }[];

  beforeAll(async () => {
    tmp = makeTmpDir('key-rotation-');
    const dbProc = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(dbProc.uri));
    await insertLegacyClients(db, [CLIENT]);
    // A first instance without a schedule creates the keys and signs a token. The test polls
    // three instances from one IP for a while: a limit far above that keeps the rate limit's
    // per-instance shares out of a test about key rotation.
    const first = await startApp({
      mongoUri: dbProc.uri,
      env: { ISSUER, MAX_REQUESTS_PER_MINUTE: '100000' },
    });
    oldToken = (await legacyToken(first.baseUrl, CLIENT.clientId, CLIENT.secret)).pair!
      .access_token;
    await first.stop();
    // Forty days later: the active key is past a 30-day period, the next key long published.
    const past = new Date(Date.now() - 40 * DAY);
    await db
      .collection('signing_keys')
      .updateMany({}, { $set: { created_at: past, activated_at: past } });
    await db
      .collection('signing_keys')
      .updateMany({ status: 'next' }, { $set: { activated_at: null } });
    before = await db
      .collection<{ kid: string; status: string }>('signing_keys')
      .find({}, { projection: { _id: 0, kid: 1, status: 1 } })
      .toArray();
    apps = await Promise.all(
      [0, 1, 2].map(() =>
        startApp({ mongoUri: dbProc.uri, env: { ISSUER, KEY_ROTATION_DAYS: '30' } }),
      ),
    );
  }, 300_000);

  afterAll(() => stopEverything(mongo, tmp));

  it('rotates exactly once, the old token keeps verifying everywhere, the new key signs', async () => {
    const oldActive = before.find((k) => k.status === 'active')!.kid;
    const oldNext = before.find((k) => k.status === 'next')!.kid;
    const activated = await waitForAudit(db, {
      event_type: 'signing_key_activated',
      reason: 'scheduled rotation',
    });
    // Give a second rotation, were there one, time to land in the store and the audit log.
    await sleep(1500);
    const keys = await db
      .collection<{ kid: string; status: string }>('signing_keys')
      .find({})
      .toArray();
    expect(keys).toHaveLength(3);
    expect(keys.filter((k) => k.status === 'retired').map((k) => k.kid)).toEqual([oldActive]);
    expect(keys.filter((k) => k.status === 'active').map((k) => k.kid)).toEqual([oldNext]);
    expect(activated).toHaveLength(1);
    expect(
      await db
        .collection('audit_logs')
        .countDocuments({ event_type: 'signing_key_activated', reason: 'scheduled rotation' }),
    ).toBe(1);

    // Every instance has the three keys within its key refresh interval (5 s).
    for (const app of apps) {
      const deadline = Date.now() + 7000;
      while ((await kidsIn(app)).length < 3 && Date.now() < deadline) await sleep(200);
      expect((await kidsIn(app)).sort()).toEqual(keys.map((k) => k.kid).sort());
      expect((await getProtected(app.baseUrl, oldToken)).status).toBe(200);
    }
    // An instance whose last key refresh fell inside the rotation (the three keys already
    // published, the promotion not yet) signs with the old key until its next refresh: within
    // the same interval, every instance signs with the new one.
    const kidOfFreshToken = async () => {
      const fresh = (await legacyToken(apps[1].baseUrl, CLIENT.clientId, CLIENT.secret)).pair!;
      const header = JSON.parse(
        Buffer.from(fresh.access_token.split('.')[0], 'base64url').toString(),
      ) as { kid: string };
      return header.kid;
    };
    const deadline = Date.now() + 7000;
    let kid = await kidOfFreshToken();
    while (kid !== oldNext && Date.now() < deadline) {
      await sleep(250);
      kid = await kidOfFreshToken();
    }
    expect(kid).toBe(oldNext);
  });
});
