import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { waitForAudit } from '../support/db';
import { createClient } from '../support/factories/client.factory';
import { basicAuth, form, type HttpTestApp } from '../support/http-app';
import {
  introspect,
  invalidGrantStatus,
  openFamily,
  race,
  refresh,
  REVOKED,
  startRaceApps,
  USED,
  type RaceApps,
  type RaceClient,
  type RefreshEndpoint,
} from '../support/refresh-race';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pair {
  access_token: string;
  refresh_token: string;
}

/** A refresh on /oauth/token as if sent from `ip`. */
const refreshFrom = (app: NestFastifyApplication, client: RaceClient, token: string, ip: string) =>
  app.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress: ip,
    headers: {
      authorization: basicAuth(client.clientId, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: form({ grant_type: 'refresh_token', refresh_token: token }),
  });

const pairOf = (body: Pair) => ({
  access_token: body.access_token,
  refresh_token: body.refresh_token,
});

describe('graceful refresh rotation (refresh_grace_seconds)', () => {
  let env: RaceApps;
  let t: HttpTestApp;
  let graceful: RaceClient;
  let brief: RaceClient;
  let strict: RaceClient;
  let other: RaceClient;

  beforeAll(async () => {
    env = await startRaceApps(1);
    [t] = env.apps;
    graceful = await createClient(t.app, { refreshTokens: true, refreshGraceSeconds: 30 });
    brief = await createClient(t.app, { refreshTokens: true, refreshGraceSeconds: 1 });
    strict = await createClient(t.app, { refreshTokens: true });
    other = await createClient(t.app, { refreshTokens: true, refreshGraceSeconds: 30 });
  });
  afterAll(() => env?.stop());

  const familySize = (clientId: string) =>
    t.db.collection('tokens').countDocuments({ client_id: clientId });

  it('a retry within the grace period returns the same pair, audited, and the family lives on', async () => {
    const family = await openFamily(t.app, graceful, 'oauth');
    const first = await refresh(t.app, graceful, 'oauth', family.refreshToken);
    expect(first.statusCode).toBe(200);
    const retry = await refresh(t.app, graceful, 'oauth', family.refreshToken);
    expect(retry.statusCode).toBe(200);
    expect(pairOf(retry.json<Pair>())).toEqual(pairOf(first.json<Pair>()));
    expect(retry.headers['cache-control']).toBe('no-store');
    expect(await familySize(graceful.clientId)).toBe(2);

    const entries = await waitForAudit(t.db, {
      event_type: 'refresh_token_grace_replayed',
      client_id: graceful.clientId,
    });
    expect(entries).toHaveLength(1);
    expect(entries[0].reason).toBe(
      'a refresh retried within the grace period got the pair of its first use',
    );
    const next = await refresh(t.app, graceful, 'oauth', first.json<Pair>().refresh_token);
    expect(next.statusCode).toBe(200);
  });

  describe.each<RefreshEndpoint>(['oauth', 'legacy'])('%s endpoint', (endpoint) => {
    it('20 concurrent refreshes within the grace period: one mint, 20 times the same pair', async () => {
      const family = await openFamily(t.app, graceful, endpoint);
      const before = await familySize(graceful.clientId);
      const outcome = await race([t.app], graceful, endpoint, family.refreshToken, 20);
      expect(outcome.failures).toEqual([]);
      expect(outcome.winners).toHaveLength(20);
      expect(new Set(outcome.winners.map((w) => w.refreshToken)).size).toBe(1);
      expect(new Set(outcome.winners.map((w) => w.accessToken)).size).toBe(1);
      expect(await familySize(graceful.clientId)).toBe(before + 1);
    }, 30_000);

    it('without a grace period, 20 concurrent refreshes leave one winner at most, revoked', async () => {
      const family = await openFamily(t.app, strict, endpoint);
      const outcome = await race([t.app], strict, endpoint, family.refreshToken, 20);
      expect(outcome.winners.length).toBeLessThanOrEqual(1);
      for (const winner of outcome.winners) {
        const res = await refresh(t.app, strict, endpoint, winner.refreshToken);
        expect({ status: res.statusCode, body: res.json() }).toEqual({
          status: invalidGrantStatus(endpoint),
          body: { error: 'invalid_grant', error_description: REVOKED },
        });
      }
    }, 30_000);
  });

  it('a retry after the grace period is reuse: the family, the new pair included, is revoked', async () => {
    const family = await openFamily(t.app, brief, 'oauth');
    const first = await refresh(t.app, brief, 'oauth', family.refreshToken);
    expect(first.statusCode).toBe(200);
    await sleep(1_200);
    const retry = await refresh(t.app, brief, 'oauth', family.refreshToken);
    expect({ status: retry.statusCode, body: retry.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: USED },
    });
    const winner = first.json<Pair>();
    const res = await refresh(t.app, brief, 'oauth', winner.refresh_token);
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: REVOKED });
    expect((await introspect(t.app, brief, winner.access_token)).json()).toEqual({
      active: false,
    });
    const reuse = await waitForAudit(t.db, {
      event_type: 'refresh_token_reuse',
      client_id: brief.clientId,
    });
    expect(reuse).toHaveLength(1);
    // The kept pair is gone with its window, without waiting for the TTL monitor.
    expect(
      await t.db
        .collection('refresh_grace_pairs')
        .countDocuments({ expires_at: { $lte: new Date() } }),
    ).toBe(0);
  });

  it('a retry from another IP than the first use is reuse, within the grace period too', async () => {
    const family = await openFamily(t.app, graceful, 'oauth');
    const first = await refreshFrom(t.app, graceful, family.refreshToken, '10.0.0.1');
    expect(first.statusCode).toBe(200);
    const retry = await refreshFrom(t.app, graceful, family.refreshToken, '10.0.0.2');
    expect({ status: retry.statusCode, body: retry.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: USED },
    });
    const winner = first.json<Pair>();
    const res = await refreshFrom(t.app, graceful, winner.refresh_token, '10.0.0.1');
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: REVOKED });
    expect((await introspect(t.app, graceful, winner.access_token)).json()).toEqual({
      active: false,
    });
  });

  it('another client presenting the spent token gets no pair: refused as today', async () => {
    const family = await openFamily(t.app, graceful, 'oauth');
    const first = await refresh(t.app, graceful, 'oauth', family.refreshToken);
    expect(first.statusCode).toBe(200);
    const stolen = await refresh(t.app, other, 'oauth', family.refreshToken);
    expect({ status: stolen.statusCode, body: stolen.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'refresh token was issued to another client',
      },
    });
  });
});
