import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import {
  basicAuth,
  form,
  requestClientCredentials,
  requestLegacyLogin,
  startHttpTestApp,
  type HttpTestApp,
} from './http-app';

/**
 * Reuse-detection races as an attacker would run them: many concurrent refreshes of one token,
 * then every token a winner got must be dead. Shared by the one-instance and two-instance tests.
 */

/** An embedded database whose rate limit no race reaches (the limit is not what is tested). */
export async function startRaceDatabase(): Promise<{ uri: string; stop(): Promise<void> }> {
  const server = await startEmbeddedMongo({ port: 0, logger: false });
  const mongo = await MongoClient.connect(server.uri);
  await mongo
    .db('oauth2_m2m')
    .collection('config')
    .insertOne({
      _id: 'jwt_config' as never,
      SECRET_KEY: 'refresh-race-e2e-secret-key-0123456789',
      ALGORITHM: 'ES256',
      ACCESS_TOKEN_EXPIRE_MINUTES: 15,
      MAX_REQUESTS_PER_MINUTE: 1_000_000_000,
    });
  return {
    uri: server.uri,
    stop: async () => {
      await mongo.close();
      await server.stop();
    },
  };
}

export interface RaceApps {
  /** The instances, in start order; the database is their only shared state. */
  apps: HttpTestApp[];
  /** Closes every instance, then the database. */
  stop(): Promise<void>;
}

/** `count` app instances on one race database. */
export async function startRaceApps(count: number): Promise<RaceApps> {
  const database = await startRaceDatabase();
  const apps: HttpTestApp[] = [];
  const stop = async () => {
    for (const app of apps) await app.close();
    await database.stop();
  };
  try {
    for (let i = 0; i < count; i++) apps.push(await startHttpTestApp({ mongoUri: database.uri }));
  } catch (err) {
    // A half-started set would keep the database and the first instances running past the suite.
    await stop();
    throw err;
  }
  return { apps, stop };
}

export interface RaceClient {
  clientId: string;
  secret: string;
}

export type RefreshEndpoint = 'oauth' | 'legacy';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export const USED = 'refresh token has already been used';
export const REVOKED = 'refresh token has been revoked';

/** A form POST authenticated with client_secret_basic. */
const basicFormPost = (
  app: NestFastifyApplication,
  client: RaceClient,
  url: string,
  fields: Record<string, string>,
) =>
  app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: basicAuth(client.clientId, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: form(fields),
  });

/** A new family: /oauth/token client_credentials (refresh tokens on), or the FastAPI service's /token form. */
export async function openFamily(
  app: NestFastifyApplication,
  client: RaceClient,
  endpoint: RefreshEndpoint,
): Promise<Tokens> {
  const res =
    endpoint === 'oauth'
      ? await requestClientCredentials(app, client.clientId, client.secret)
      : await requestLegacyLogin(app, client.clientId, client.secret);
  expect(res.statusCode).toBe(200);
  const body = res.json<{ access_token: string; refresh_token: string }>();
  expect(body.refresh_token).toEqual(expect.any(String));
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

export function refresh(
  app: NestFastifyApplication,
  client: RaceClient,
  endpoint: RefreshEndpoint,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  return endpoint === 'oauth'
    ? basicFormPost(app, client, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        ...extra,
      })
    : app.inject({
        method: 'POST',
        url: '/refresh',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ refresh_token: refreshToken }),
      });
}

/** invalid_grant as each endpoint answers it: 400 on /oauth/token, 401 on the FastAPI service's /refresh. */
export const invalidGrantStatus = (endpoint: RefreshEndpoint): number =>
  endpoint === 'oauth' ? 400 : 401;

export const introspect = (app: NestFastifyApplication, client: RaceClient, token: string) =>
  basicFormPost(app, client, '/oauth/introspect', { token });

export function getProtected(app: NestFastifyApplication, accessToken: string) {
  return app.inject({
    method: 'GET',
    url: '/protected',
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

export interface RaceOutcome {
  /** What each request that got 200 was given. */
  winners: Tokens[];
  /** The error bodies of the others. */
  failures: { status: number; body: unknown }[];
}

/** `count` refreshes of one token at once, spread round-robin over `apps`. */
export async function race(
  apps: NestFastifyApplication[],
  client: RaceClient,
  endpoint: RefreshEndpoint,
  refreshToken: string,
  count: number,
): Promise<RaceOutcome> {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      refresh(apps[i % apps.length], client, endpoint, refreshToken),
    ),
  );
  const outcome: RaceOutcome = { winners: [], failures: [] };
  for (const res of responses) {
    if (res.statusCode === 200) {
      const body = res.json<{ access_token: string; refresh_token: string }>();
      outcome.winners.push({ accessToken: body.access_token, refreshToken: body.refresh_token });
    } else {
      outcome.failures.push({ status: res.statusCode, body: res.json() });
    }
  }
  return outcome;
}

/** At most one winner; every other request is refused as reuse (or, for a winner, as revoked). */
export function expectOneWinnerAtMost(
  outcome: RaceOutcome,
  endpoint: RefreshEndpoint,
  count: number,
): void {
  expect(outcome.winners.length).toBeLessThanOrEqual(1);
  expect(outcome.winners.length + outcome.failures.length).toBe(count);
  for (const failure of outcome.failures) {
    expect(failure.status).toBe(invalidGrantStatus(endpoint));
    expect([
      { error: 'invalid_grant', error_description: USED },
      { error: 'invalid_grant', error_description: REVOKED },
    ]).toContainEqual(failure.body);
  }
}
