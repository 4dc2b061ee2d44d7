import { createClient } from '../support/factories/client.factory';
import type { HttpTestApp } from '../support/http-app';
import {
  openFamily,
  race,
  startRaceApps,
  type RaceApps,
  type RaceClient,
  type RefreshEndpoint,
} from '../support/refresh-race';

/**
 * The grace period's exactly-once guarantee with the 20 concurrent retries spread over two app
 * instances whose only shared state is the database.
 */
describe('refresh grace period across two instances on one database', () => {
  let env: RaceApps;
  let a: HttpTestApp;
  let b: HttpTestApp;
  let client: RaceClient;

  beforeAll(async () => {
    env = await startRaceApps(2);
    [a, b] = env.apps;
    client = await createClient(a.app, { refreshTokens: true, refreshGraceSeconds: 30 });
  });
  afterAll(() => env?.stop());

  it.each<RefreshEndpoint>(['oauth', 'legacy'])(
    '%s endpoint, 5 rounds of 20 concurrent retries: one mint, 20 times the same pair',
    async (endpoint) => {
      for (let round = 0; round < 5; round++) {
        const family = await openFamily(a.app, client, endpoint);
        const before = await a.db
          .collection('tokens')
          .countDocuments({ client_id: client.clientId });
        const outcome = await race([a.app, b.app], client, endpoint, family.refreshToken, 20);
        expect(outcome.failures).toEqual([]);
        expect(new Set(outcome.winners.map((w) => w.refreshToken)).size).toBe(1);
        expect(new Set(outcome.winners.map((w) => w.accessToken)).size).toBe(1);
        expect(outcome.winners).toHaveLength(20);
        expect(await a.db.collection('tokens').countDocuments({ client_id: client.clientId })).toBe(
          before + 1,
        );
      }
    },
    60_000,
  );
});
