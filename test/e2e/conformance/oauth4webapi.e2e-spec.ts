import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, type TestClient } from '../../support/factories/client.factory';
import { startHttpTestApp, type HttpTestApp } from '../../support/http-app';
import { clientCredentialsGrant, clientOf, discover, insecure } from '../../support/oauth4webapi';

/** oauth4webapi (panva): low-level requests and strict response processing, including refresh rotation. */
describe('conformance: oauth4webapi', () => {
  let t: HttpTestApp;
  let as: oauth.AuthorizationServer;
  let rotating: TestClient;

  beforeAll(async () => {
    t = await startHttpTestApp({ listen: true });
    as = await discover(t.issuer);
    rotating = await createClient(t.app, { scopes: ['read', 'write'], refreshTokens: true });
  });
  afterAll(() => t?.close());

  const clientCredentials = (c: TestClient, auth: oauth.ClientAuth) =>
    clientCredentialsGrant(as, c, auth, new URLSearchParams(), insecure);

  it('processes a client_credentials response and the token verifies against the JWKS', async () => {
    const c = await createClient(t.app, { scopes: ['read'] });
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      clientOf(c),
      oauth.ClientSecretBasic(c.secret),
      new URLSearchParams({ scope: 'read' }),
      insecure,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const result = await oauth.processClientCredentialsResponse(as, clientOf(c), response);
    expect(result).toMatchObject({
      token_type: 'bearer',
      scope: 'read',
      expires_in: expect.any(Number),
    });
    expect(result.refresh_token).toBeUndefined();
    const { payload } = await jwtVerify(
      result.access_token,
      createRemoteJWKSet(new URL(as.jwks_uri!)),
      {
        issuer: as.issuer,
        audience: as.issuer,
        typ: 'at+jwt',
      },
    );
    expect(payload.client_id).toBe(c.clientId);
  });

  it('rotates refresh tokens; the old one is then invalid_grant and the whole family is revoked', async () => {
    const auth = oauth.ClientSecretPost(rotating.secret);
    const first = await clientCredentials(rotating, auth);
    expect(first.refresh_token).toEqual(expect.any(String));

    const second = await oauth.processRefreshTokenResponse(
      as,
      clientOf(rotating),
      await oauth.refreshTokenGrantRequest(as, clientOf(rotating), auth, first.refresh_token!, {
        ...insecure,
        additionalParameters: { scope: 'read' },
      }),
    );
    expect(second.scope).toBe('read');
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const reuse = await oauth.refreshTokenGrantRequest(
      as,
      clientOf(rotating),
      auth,
      first.refresh_token!,
      insecure,
    );
    expect(reuse.status).toBe(400);
    await expect(
      oauth.processRefreshTokenResponse(as, clientOf(rotating), reuse),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Reuse revoked the family: the rotated token is gone too.
    const after = await oauth.refreshTokenGrantRequest(
      as,
      clientOf(rotating),
      auth,
      second.refresh_token!,
      insecure,
    );
    expect(after.status).toBe(400);
    expect(await after.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it("refuses another client's refresh token with invalid_grant", async () => {
    const auth = oauth.ClientSecretBasic(rotating.secret);
    const issued = await clientCredentials(rotating, auth);
    const thief = await createClient(t.app, { scopes: ['read', 'write'] });
    const response = await oauth.refreshTokenGrantRequest(
      as,
      clientOf(thief),
      oauth.ClientSecretBasic(thief.secret),
      issued.refresh_token!,
      insecure,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
