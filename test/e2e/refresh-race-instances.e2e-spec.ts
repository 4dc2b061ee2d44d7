import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '../support/factories/client.factory';
import type { HttpTestApp } from '../support/http-app';
import {
  expectOneWinnerAtMost,
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

/** How long a revocation made through one instance may take to be enforced by another. */
const PROPAGATION_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until the instance's introspection calls the token inactive, within the propagation
 * bound. (Introspection, not /protected: passport keeps one strategy per process, so two apps in
 * one process would both answer /protected with the last one registered.)
 */
async function inactiveWithin(
  app: NestFastifyApplication,
  client: RaceClient,
  token: string,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    const body = (await introspect(app, client, token)).json<{ active: boolean }>();
    if (body.active === false) return Date.now() - start;
    if (Date.now() - start > PROPAGATION_MS) return Infinity;
    await sleep(20);
  }
}

/**
 * The same race with the concurrent refreshes spread over two app instances sharing one
 * database (the database is their only shared state).
 */
describe('refresh race across two instances on one database', () => {
  const ROUNDS = 10;
  let env: RaceApps;
  let a: HttpTestApp;
  let b: HttpTestApp;
  let client: RaceClient;

  beforeAll(async () => {
    env = await startRaceApps(2);
    [a, b] = env.apps;
    client = await createClient(a.app, { refreshTokens: true });
  });
  afterAll(() => env?.stop());

  describe.each<[RefreshEndpoint, number]>([
    ['oauth', 2],
    ['oauth', 20],
    ['legacy', 2],
    ['legacy', 20],
  ])('%s endpoint, %i concurrent refreshes', (endpoint, count) => {
    it(`${ROUNDS} rounds: the winner's tokens are dead on both instances`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const family = await openFamily(a.app, client, endpoint);
        const outcome = await race([a.app, b.app], client, endpoint, family.refreshToken, count);
        expectOneWinnerAtMost(outcome, endpoint, count);
        for (const winner of outcome.winners) {
          for (const app of [a.app, b.app]) {
            const res = await refresh(app, client, endpoint, winner.refreshToken);
            expect({ status: res.statusCode, body: res.json() }).toEqual({
              status: invalidGrantStatus(endpoint),
              body: { error: 'invalid_grant', error_description: REVOKED },
            });
          }
        }
        for (const accessToken of [
          family.accessToken,
          ...outcome.winners.map((w) => w.accessToken),
        ]) {
          for (const app of [a.app, b.app]) {
            expect(await inactiveWithin(app, client, accessToken)).toBeLessThanOrEqual(
              PROPAGATION_MS,
            );
          }
        }
      }
    }, 120_000);
  });
});
