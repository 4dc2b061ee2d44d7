import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { createClient, type TestClient } from '../../support/factories/client.factory';
import { startHttpTestApp, type HttpTestApp } from '../../support/http-app';
import { clientCredentialsGrant, clientOf, discover, insecure } from '../../support/oauth4webapi';

/** DPoP (RFC 9449) through the real clients' own DPoP support: oauth4webapi's DPoP() and openid-client's getDPoPHandle. */
describe('conformance: DPoP with oauth4webapi and openid-client', () => {
  let t: HttpTestApp;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    t = await startHttpTestApp({ listen: true });
    as = await discover(t.issuer);
  });
  afterAll(() => t?.close());

  const keyPair = async () => {
    const pair = await generateKeyPair('ES256');
    return { pair, jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) };
  };

  it('advertises dpop_signing_alg_values_supported', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256']);
  });

  describe('oauth4webapi', () => {
    const grant = (c: TestClient, dpop: oauth.DPoPHandle) =>
      clientCredentialsGrant(
        as,
        c,
        oauth.ClientSecretBasic(c.secret),
        new URLSearchParams({ scope: 'read' }),
        { ...insecure, DPoP: dpop },
      );

    it('gets a DPoP-bound token (cnf.jkt, token_type DPoP) and calls /protected with it', async () => {
      const c = await createClient(t.app, { scopes: ['read'] });
      const { pair, jkt } = await keyPair();
      const dpop = oauth.DPoP(clientOf(c), pair);
      const result = await grant(c, dpop);
      expect(result.token_type).toBe('dpop');
      expect(decodeJwt(result.access_token).cnf).toEqual({ jkt });

      const response = await oauth.protectedResourceRequest(
        result.access_token,
        'GET',
        new URL(`${t.issuer}/protected?x=1`),
        new Headers(),
        null,
        { ...insecure, DPoP: dpop },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        message: 'Access granted',
        client_id: c.clientId,
      });
    });

    it('follows the use_dpop_nonce flow for a client that requires nonces', async () => {
      const c = await createClient(t.app, { scopes: ['read'], dpopNonceRequired: true });
      const { pair, jkt } = await keyPair();
      const dpop = oauth.DPoP(clientOf(c), pair);
      let error: unknown;
      try {
        await grant(c, dpop);
      } catch (err) {
        error = err;
      }
      expect(oauth.isDPoPNonceError(error)).toBe(true);
      // The handle kept the DPoP-Nonce header of the 400; the retry carries it.
      const result = await grant(c, dpop);
      expect(decodeJwt(result.access_token).cnf).toEqual({ jkt });
    });

    it('introspection returns cnf and token_type DPoP', async () => {
      const c = await createClient(t.app, { scopes: ['read'] });
      const { pair, jkt } = await keyPair();
      const result = await grant(c, oauth.DPoP(clientOf(c), pair));
      const introspection = await oauth.processIntrospectionResponse(
        as,
        clientOf(c),
        await oauth.introspectionRequest(
          as,
          clientOf(c),
          oauth.ClientSecretBasic(c.secret),
          result.access_token,
          insecure,
        ),
      );
      expect(introspection).toMatchObject({
        active: true,
        token_type: 'DPoP',
        cnf: { jkt },
        client_id: c.clientId,
      });
    });
  });

  describe('openid-client', () => {
    const configFor = (c: TestClient) =>
      client.discovery(new URL(t.issuer), c.clientId, c.secret, undefined, {
        execute: [client.allowInsecureRequests],
      });

    it('client_credentials with getDPoPHandle, then fetchProtectedResource', async () => {
      const c = await createClient(t.app, { scopes: ['read'], dpopBoundAccessTokens: true });
      const config = await configFor(c);
      const { pair, jkt } = await keyPair();
      const DPoP = client.getDPoPHandle(config, pair);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
      expect(tokens.token_type).toBe('dpop');
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });

      const response = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(`${t.issuer}/protected`),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ client_id: c.clientId });
    });

    it('retries on use_dpop_nonce by itself', async () => {
      const c = await createClient(t.app, { scopes: ['read'], dpopNonceRequired: true });
      const config = await configFor(c);
      const { pair, jkt } = await keyPair();
      const DPoP = client.getDPoPHandle(config, pair);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
    });

    it('a DPoP-required client without a proof is refused with invalid_dpop_proof', async () => {
      const c = await createClient(t.app, { scopes: ['read'], dpopBoundAccessTokens: true });
      const config = await configFor(c);
      await expect(client.clientCredentialsGrant(config, { scope: 'read' })).rejects.toMatchObject({
        error: 'invalid_dpop_proof',
        error_description: 'this client requires a DPoP proof',
      });
    });
  });
});
