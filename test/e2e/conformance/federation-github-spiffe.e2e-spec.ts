import * as client from 'openid-client';
import { JWT_BEARER, REFUSED, useFederationApp } from '../../support/federation-app';
import { WorkloadIssuer } from '../../support/workload-issuer';

/**
 * Workload identity federation with a GitHub-Actions-shaped issuer (openid-client sends its OIDC
 * token through a ClientAuth function) and SPIFFE JWT-SVIDs, against real local issuers.
 */
describe('conformance: federated client assertions (GitHub Actions, SPIFFE)', () => {
  const ctx = useFederationApp();
  const { register, post, postAssertion, failures } = ctx;

  describe('GitHub Actions OIDC token', () => {
    let clientId: string;
    const sub = 'repo:acme/payments:ref:refs/heads/main';
    beforeAll(async () => {
      ({ clientId } = await register([
        { issuer: ctx.github.issuer, subject: sub, audience: ctx.t.issuer },
      ]));
    });

    it('openid-client authenticates with it through a ClientAuth function; its jti is single-use', async () => {
      const assertion = await ctx.github.mint({ sub, aud: ctx.t.issuer });
      const config = await client.discovery(
        new URL(ctx.t.issuer),
        clientId,
        undefined,
        (_as, _client, body) => {
          body.set('client_assertion_type', JWT_BEARER);
          body.set('client_assertion', assertion);
        },
        { execute: [client.allowInsecureRequests] },
      );
      const tokens = await client.clientCredentialsGrant(config, { scope: 'write' });
      expect(tokens.scope).toBe('write');
      await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({
        error: 'invalid_client',
      });
      const [last] = await failures(clientId);
      expect(last.reason).toBe('federated assertion jti was already used (replay)');
    });

    it('another branch of the repository is refused', async () => {
      const res = await postAssertion(ctx.github, clientId, {
        sub: 'repo:acme/payments:ref:refs/heads/feature',
        aud: ctx.t.issuer,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
    });

    it('a credential audience the token lacks is refused', async () => {
      const { clientId: strict } = await register([
        { issuer: ctx.github.issuer, subject: 'repo:acme/strict:*', audience: 'api://payments' },
      ]);
      const res = await postAssertion(ctx.github, strict, {
        sub: 'repo:acme/strict:ref:x',
        aud: ctx.t.issuer,
      });
      expect(res.status).toBe(401);
      const [last] = await failures(strict);
      expect(last.reason).toBe('federated assertion aud does not contain api://payments');
    });

    it('a JWKS answered with a redirect is not followed', async () => {
      const other = await WorkloadIssuer.start('github');
      try {
        const { clientId: redirected } = await register([
          { issuer: other.issuer, subject: sub, jwks_uri: other.jwksUri },
        ]);
        other.redirectTo = `${ctx.github.jwksUri}`;
        const res = await post({
          client_id: redirected,
          client_assertion: await other.mint({ sub, aud: ctx.t.issuer }),
        });
        expect(res.status).toBe(401);
        const [last] = await failures(redirected);
        expect(last.reason).toBe(
          `keys of issuer ${other.issuer} unavailable: ${other.jwksUri} answered a redirect (302); redirects are refused`,
        );
        expect(other.fetches.discovery).toBe(0);
      } finally {
        await other.close();
      }
    });
  });

  describe('SPIFFE JWT-SVID', () => {
    it('a spiffe:// subject under a registered path prefix authenticates; another trust domain does not', async () => {
      // SPIRE's OIDC discovery provider: the JWKS named explicitly, no discovery fetch.
      const { clientId } = await register([
        {
          issuer: ctx.k8s.issuer,
          subject: 'spiffe://example.org/ns/payments/*',
          jwks_uri: ctx.k8s.jwksUri,
        },
      ]);
      const discoveries = ctx.k8s.fetches.discovery;
      const ok = await postAssertion(ctx.k8s, clientId, {
        sub: 'spiffe://example.org/ns/payments/sa/api',
        aud: [ctx.t.issuer, 'spiffe://example.org/other'],
      });
      expect(ok.status).toBe(200);
      expect(ctx.k8s.fetches.discovery).toBe(discoveries);
      const other = await postAssertion(ctx.k8s, clientId, {
        sub: 'spiffe://evil.org/ns/payments/sa/api',
        aud: ctx.t.issuer,
      });
      expect(other.status).toBe(401);
      expect(await other.json()).toEqual(REFUSED);
    });
  });
});
