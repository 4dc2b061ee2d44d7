import { startHttpTestApp, basicAuth, form, type HttpTestApp } from '../support/http-app';
import { startLegacyDatabase, type LegacyDatabase } from '../support/legacy-database';

/**
 * A refresh token the FastAPI service stored in plaintext (its `tokens` collection, no family):
 * /refresh accepts it, so introspection knows it too, until it is used.
 */
describe('introspection of a plaintext refresh token left by the FastAPI service', () => {
  const PLAINTEXT = 'legacy-plaintext-refresh-token-0123456789';
  let legacy: LegacyDatabase;
  let t: HttpTestApp;

  const introspect = (token: string, clientId = 'test_client', secret = 'test_secret') =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: {
        authorization: basicAuth(clientId, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form({ token, token_type_hint: 'refresh_token' }),
    });

  beforeAll(async () => {
    legacy = await startLegacyDatabase();
    // As the FastAPI service's /token stored it.
    await legacy.db.collection('tokens').insertOne({
      client_id: 'test_client',
      refresh_token: PLAINTEXT,
      created_at: new Date(),
    });
    t = await startHttpTestApp({ mongoUri: legacy.uri, firstRun: true });
  });
  afterAll(async () => {
    await t?.close();
    await legacy?.stop();
  });

  it('is active for its client, inactive once /refresh has used it', async () => {
    const res = await introspect(PLAINTEXT);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      active: true,
      client_id: 'test_client',
      sub: 'test_client',
      token_type: 'refresh_token',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });

    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/refresh',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ refresh_token: PLAINTEXT }),
    });
    expect(refreshed.statusCode).toBe(200);
    expect((await introspect(PLAINTEXT)).json()).toEqual({ active: false });
    // Its successor, stored hashed, is the live one.
    const next = refreshed.json<{ refresh_token: string }>().refresh_token;
    expect((await introspect(next)).json()).toMatchObject({
      active: true,
      client_id: 'test_client',
    });
  });

  it('a stored hash presented as a token is not a token', async () => {
    const stored = await legacy.db
      .collection('tokens')
      .findOne({ client_id: 'test_client', used_at: null, revoked_at: null });
    expect(stored?.refresh_token).toMatch(/^[0-9a-f]{64}$/);
    expect((await introspect(String(stored?.refresh_token))).json()).toEqual({ active: false });
  });
});
