import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  createClient,
  createJwtClient,
  type TestClient,
  type TestJwtClient,
} from '../../support/factories/client.factory';
import { startHttpTestApp, type HttpTestApp } from '../../support/http-app';

/** openid-client v6 (panva) against the running server over HTTP: discovery, every client auth method, introspection, revocation. */
describe('conformance: openid-client', () => {
  let t: HttpTestApp;
  let issuer: URL;
  let secretClient: TestClient;
  let jwtClient: TestJwtClient;
  const insecure = { execute: [client.allowInsecureRequests] };
  /** Discovery as `clientId`, authenticating with `auth` (plain http: this is a local test server). */
  const discoverAs = (clientId: string, auth: client.ClientAuth) =>
    client.discovery(issuer, clientId, undefined, auth, insecure);

  beforeAll(async () => {
    t = await startHttpTestApp({ listen: true });
    issuer = new URL(t.issuer);
    secretClient = await createClient(t.app, { scopes: ['read', 'write'] });
    jwtClient = await createJwtClient(t.app, { scopes: ['read'] });
  });
  afterAll(() => t?.close());

  const verifyAccessToken = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${t.issuer}/.well-known/jwks.json`)), {
      issuer: t.issuer,
      audience: t.issuer,
      typ: 'at+jwt',
    });

  it.each(['oidc', 'oauth2'] as const)(
    'discovers the server (%s well-known path)',
    async (algorithm) => {
      const config = await client.discovery(
        issuer,
        secretClient.clientId,
        secretClient.secret,
        undefined,
        {
          ...insecure,
          algorithm,
        },
      );
      const meta = config.serverMetadata();
      expect(meta.issuer).toBe(t.issuer);
      expect(meta.token_endpoint).toBe(`${t.issuer}/oauth/token`);
      expect(meta.jwks_uri).toBe(`${t.issuer}/.well-known/jwks.json`);
      expect(meta.introspection_endpoint).toBe(`${t.issuer}/oauth/introspect`);
      expect(meta.revocation_endpoint).toBe(`${t.issuer}/oauth/revoke`);
      expect(meta.token_endpoint_auth_methods_supported).toEqual([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]);
      expect(meta.grant_types_supported).toEqual([
        'client_credentials',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ]);
      expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual([
        'ES256',
        'RS256',
        'PS256',
      ]);
      expect(meta.introspection_endpoint_auth_methods_supported).toEqual(
        meta.token_endpoint_auth_methods_supported,
      );
      expect(meta.revocation_endpoint_auth_methods_supported).toEqual(
        meta.token_endpoint_auth_methods_supported,
      );
      expect(meta.scopes_supported).toEqual(['read', 'write', 'admin']);
      expect(meta.access_token_signing_alg_values_supported).toEqual(['ES256']);
    },
  );

  it('client_credentials with client_secret_basic; the token verifies with jose and the JWKS alone', async () => {
    const config = await discoverAs(
      secretClient.clientId,
      client.ClientSecretBasic(secretClient.secret),
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('read');
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.refresh_token).toBeUndefined();
    const { payload, protectedHeader } = await verifyAccessToken(tokens.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: t.issuer,
      sub: secretClient.clientId,
      client_id: secretClient.clientId,
      scope: 'read',
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
  });

  it('client_credentials with client_secret_post', async () => {
    const config = await discoverAs(
      secretClient.clientId,
      client.ClientSecretPost(secretClient.secret),
    );
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.scope).toBe('read write');
    await expect(verifyAccessToken(tokens.access_token)).resolves.toBeDefined();
  });

  it('client_credentials with private_key_jwt (RFC 7523)', async () => {
    const config = await discoverAs(
      jwtClient.clientId,
      client.PrivateKeyJwt({ key: jwtClient.privateKey, kid: jwtClient.kid }),
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    const { payload } = await verifyAccessToken(tokens.access_token);
    expect(payload.client_id).toBe(jwtClient.clientId);
  });

  it('introspects its own token (active) and revokes it (then inactive)', async () => {
    const config = await discoverAs(
      secretClient.clientId,
      client.ClientSecretBasic(secretClient.secret),
    );
    const { access_token } = await client.clientCredentialsGrant(config, { scope: 'read' });
    const active = await client.tokenIntrospection(config, access_token);
    expect(active).toMatchObject({
      active: true,
      client_id: secretClient.clientId,
      sub: secretClient.clientId,
      scope: 'read',
      iss: t.issuer,
      token_type: 'Bearer',
      jti: expect.any(String),
      exp: expect.any(Number),
      iat: expect.any(Number),
    });
    await client.tokenRevocation(config, access_token, { token_type_hint: 'access_token' });
    expect(await client.tokenIntrospection(config, access_token)).toEqual({ active: false });
  });

  it('a foreign token is inactive to another client, and its revocation attempt changes nothing', async () => {
    const owner = await discoverAs(
      secretClient.clientId,
      client.ClientSecretBasic(secretClient.secret),
    );
    const other = await createClient(t.app, { scopes: ['read'] });
    const stranger = await discoverAs(other.clientId, client.ClientSecretPost(other.secret));
    const { access_token } = await client.clientCredentialsGrant(owner, { scope: 'read' });
    expect(await client.tokenIntrospection(stranger, access_token)).toEqual({ active: false });
    await client.tokenRevocation(stranger, access_token);
    expect((await client.tokenIntrospection(owner, access_token)).active).toBe(true);
  });
});
