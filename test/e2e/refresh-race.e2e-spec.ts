import { createClient } from '../support/factories/client.factory';
import type { HttpTestApp } from '../support/http-app';
import {
  expectOneWinnerAtMost,
  getProtected,
  introspect,
  invalidGrantStatus,
  openFamily,
  race,
  refresh,
  REVOKED,
  startRaceApps,
  type RaceApps,
  type RaceClient,
  type RefreshEndpoint,
} from '../support/refresh-race';

/**
 * Reuse detection leaves no survivor: concurrent refreshes of one token, on both refresh
 * endpoints, and afterwards every token minted in that family (the winner's refresh and access
 * tokens, and the family's first access token) is dead, however the requests interleaved.
 */
describe('refresh race: no survivor after reuse detection (one instance)', () => {
  const ROUNDS = 20;
  let env: RaceApps;
  let t: HttpTestApp;
  let client: RaceClient;

  beforeAll(async () => {
    env = await startRaceApps(1);
    [t] = env.apps;
    client = await createClient(t.app, { refreshTokens: true });
  });
  afterAll(() => env?.stop());

  async function expectDead(
    endpoint: RefreshEndpoint,
    accessTokens: string[],
    refreshes: string[],
  ) {
    for (const refreshToken of refreshes) {
      const res = await refresh(t.app, client, endpoint, refreshToken);
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: invalidGrantStatus(endpoint),
        body: { error: 'invalid_grant', error_description: REVOKED },
      });
      expect((await introspect(t.app, client, refreshToken)).json()).toEqual({ active: false });
    }
    for (const accessToken of accessTokens) {
      expect((await getProtected(t.app, accessToken)).statusCode).toBe(401);
      expect((await introspect(t.app, client, accessToken)).json()).toEqual({ active: false });
    }
  }

  describe.each<[RefreshEndpoint, number]>([
    ['oauth', 2],
    ['oauth', 20],
    ['legacy', 2],
    ['legacy', 20],
  ])('%s endpoint, %i concurrent refreshes', (endpoint, count) => {
    it(`${ROUNDS} rounds: at most one winner, and its tokens are revoked with the family`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const family = await openFamily(t.app, client, endpoint);
        expect((await getProtected(t.app, family.accessToken)).statusCode).toBe(200);
        const outcome = await race([t.app], client, endpoint, family.refreshToken, count);
        expectOneWinnerAtMost(outcome, endpoint, count);
        await expectDead(
          endpoint,
          [family.accessToken, ...outcome.winners.map((w) => w.accessToken)],
          outcome.winners.map((w) => w.refreshToken),
        );
      }
    }, 120_000);
  });
});
