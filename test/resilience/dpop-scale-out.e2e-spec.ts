import type { Db, MongoClient } from 'mongodb';
import { connect, insertLegacyClients, waitForAudit } from '../support/db';
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop';
import { stopEverything } from '../support/lifecycle';
import {
  makeTmpDir,
  sleep,
  startApp,
  startDb,
  type AppProcess,
  type DbProcess,
} from '../support/process';

/**
 * DPoP across three app processes on one database: a proof accepted by one instance is a replay
 * on every other (the replay cache is the shared `dpop_proof_jtis` collection, not memory), at the
 * token endpoint and on protected routes, and a nonce one instance issued is accepted by another.
 */
const ISSUER = 'http://127.0.0.1:8000';
const CLIENT = { clientId: 'dpop-scale', secret: 'dpop-scale-secret', scopes: ['read'] };
const NONCE_CLIENT = { clientId: 'dpop-scale-nonce', secret: 'dpop-scale-nonce-secret' };

describe('scale-out: DPoP replay across three instances on one database', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let dbProc: DbProcess;
  let mongo: MongoClient;
  let db: Db;
  let apps: AppProcess[];
  let key: DpopKey;

  beforeAll(async () => {
    tmp = makeTmpDir('dpop-scale-');
    dbProc = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(dbProc.uri));
    await insertLegacyClients(db, [CLIENT, { ...NONCE_CLIENT, scopes: ['read'] }]);
    await db
      .collection('clients')
      .updateOne({ client_id: NONCE_CLIENT.clientId }, { $set: { dpop_nonce_required: true } });
    // One service behind a load balancer: every instance has the same public issuer URL.
    apps = await Promise.all(
      [0, 1, 2].map(() => startApp({ mongoUri: dbProc.uri, env: { ISSUER } })),
    );
    key = await dpopKey();
  }, 300_000);

  afterAll(() => stopEverything(mongo, tmp));

  const token = (
    app: AppProcess,
    proof: string | undefined,
    who: { clientId: string; secret: string } = CLIENT,
  ) =>
    fetch(`${app.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${who.clientId}:${who.secret}`).toString('base64')}`,
        ...(proof !== undefined && { dpop: proof }),
      },
      body: 'grant_type=client_credentials',
    });
  const tokenProof = (nonce?: string) =>
    dpopProof(key, { htm: 'POST', htu: `${ISSUER}/oauth/token`, nonce });
  const replayBody = {
    error: 'invalid_dpop_proof',
    error_description: 'DPoP proof has already been used',
  };

  it('a token-endpoint proof used on one instance is a replay on the two others', async () => {
    // The first use also migrates the plaintext secret (as the FastAPI service stored it).
    const proof = await tokenProof();
    const first = await token(apps[0], proof);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ token_type: 'DPoP' });
    for (const other of [apps[1], apps[2]]) {
      const replay = await token(other, proof);
      expect(replay.status).toBe(400);
      expect(await replay.json()).toEqual(replayBody);
    }
    // Each instance writes its audit batch on its own schedule: wait for both refusals.
    const filter = {
      event_type: 'token_denied',
      client_id: CLIENT.clientId,
      reason: 'DPoP proof has already been used',
    };
    const deadline = Date.now() + 5000;
    let audited = await waitForAudit(db, filter);
    while (audited.length < 2 && Date.now() < deadline) {
      await sleep(50);
      audited = await waitForAudit(db, filter);
    }
    expect(audited).toHaveLength(2);
  });

  it('one proof sent to all three instances at once is accepted exactly once', async () => {
    const proof = await tokenProof();
    const responses = await Promise.all(apps.map((app) => token(app, proof)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
    for (const r of responses.filter((x) => x.status === 400))
      expect(await r.json()).toEqual(replayBody);
  });

  it('a resource proof accepted by one instance is a replay on another', async () => {
    const res = await token(apps[0], await tokenProof());
    const { access_token } = (await res.json()) as { access_token: string };
    const proof = await dpopProof(key, {
      htm: 'GET',
      htu: `${ISSUER}/protected`,
      accessToken: access_token,
    });
    const call = (app: AppProcess) =>
      fetch(`${app.baseUrl}/protected`, {
        headers: { authorization: `DPoP ${access_token}`, dpop: proof },
      });
    expect((await call(apps[1])).status).toBe(200);
    const replay = await call(apps[2]);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(replayBody);
    expect(replay.headers.get('www-authenticate')).toBe(
      'DPoP error="invalid_dpop_proof", error_description="DPoP proof has already been used", algs="ES256 RS256 PS256"',
    );
  });

  it('a nonce issued by one instance is accepted by another', async () => {
    const first = await token(apps[0], await tokenProof(), NONCE_CLIENT);
    expect(first.status).toBe(400);
    expect(await first.json()).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'DPoP proof has no nonce',
    });
    const nonce = first.headers.get('dpop-nonce') ?? '';
    const retry = await token(apps[2], await tokenProof(nonce), NONCE_CLIENT);
    expect(retry.status).toBe(200);
  });
});
