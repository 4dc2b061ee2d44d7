import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { AuditWriter } from '../../../src/audit/audit-writer.service';
import { bearerCall } from '../../support/http-app';
import { JWT_BEARER, REFUSED, useFederationApp } from '../../support/federation-app';
import { discover, insecure } from '../../support/oauth4webapi';

/**
 * Workload identity federation, registration and a Kubernetes-shaped issuer: a real local issuer
 * publishes discovery and JWKS over HTTP; oauth4webapi sends its projected service-account tokens
 * as client assertions to the real AppModule; the key cache is watched through the issuer's fetch
 * counts (rotation, the issuer down past expiry).
 */
describe('conformance: federated client assertions (registration, Kubernetes)', () => {
  const ctx = useFederationApp();
  const { register, post, postAssertion, failures } = ctx;
  const assertionAuth =
    (assertion: string): oauth.ClientAuth =>
    (_as, _client, body) => {
      body.set('client_assertion_type', JWT_BEARER);
      body.set('client_assertion', assertion);
    };

  describe('registration', () => {
    it('stores federated_credentials and shows them in the admin API', async () => {
      const { clientId, body } = await register([
        { issuer: ctx.k8s.issuer, subject: 'system:serviceaccount:payments:*' },
        {
          issuer: ctx.github.issuer,
          subject: 'repo:acme/payments:ref:refs/heads/main',
          audience: 'x',
        },
      ]);
      expect(body.federated_credentials).toEqual([
        { issuer: ctx.k8s.issuer, subject: 'system:serviceaccount:payments:*' },
        {
          issuer: ctx.github.issuer,
          subject: 'repo:acme/payments:ref:refs/heads/main',
          audience: 'x',
        },
      ]);
      // A secretless client: no secret was generated.
      expect(body.client_secret).toBeUndefined();
      const res = await bearerCall(
        ctx.t.app,
        ctx.adminToken,
        'PATCH',
        `/admin/clients/${clientId}`,
        {
          federated_credentials: [{ issuer: ctx.k8s.issuer, subject: 'system:serviceaccount:a:b' }],
        },
      );
      expect(res.statusCode).toBe(200);
      expect(res.json<Record<string, unknown>>().federated_credentials).toEqual([
        { issuer: ctx.k8s.issuer, subject: 'system:serviceaccount:a:b' },
      ]);
    });

    it.each([
      [
        [{ issuer: 'http://issuer.example.com', subject: 'x' }],
        'federated_credentials[0].issuer must be an https URL (or http on the loopback interface)',
      ],
      [[{ issuer: 'https://i.example.com', subject: '*' }], 'bare'],
      [[{ issuer: 'https://i.example.com', subject: 'a*b' }], 'bare'],
      [
        [{ issuer: 'https://i.example.com', subject: 'x', jwks_uri: 'ftp://i.example.com/k' }],
        'federated_credentials[0].jwks_uri must be an https URL (or http on the loopback interface)',
      ],
    ])('refuses %j with 400 invalid_request', async (credentials, description) => {
      const res = await bearerCall(ctx.t.app, ctx.adminToken, 'POST', '/admin/clients', {
        scopes: ['read'],
        role: 'service',
        federated_credentials: credentials,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_request',
        error_description:
          description === 'bare'
            ? 'federated_credentials[0].subject must be an exact subject or a non-empty prefix ending in "*" (at most 512 characters)'
            : description,
      });
    });
  });

  describe('Kubernetes projected service-account token', () => {
    let clientId: string;
    beforeAll(async () => {
      ({ clientId } = await register([
        { issuer: ctx.k8s.issuer, subject: 'system:serviceaccount:payments:*' },
      ]));
    });

    it('oauth4webapi authenticates with it (discovery of the issuer, JWKS fetched once)', async () => {
      const as = await discover(ctx.t.issuer);
      const before = { ...ctx.k8s.fetches };
      const assertion = await ctx.k8s.mint({
        sub: 'system:serviceaccount:payments:api',
        aud: ctx.t.issuer,
      });
      const result = await oauth.processClientCredentialsResponse(
        as,
        { client_id: clientId },
        await oauth.clientCredentialsGrantRequest(
          as,
          { client_id: clientId },
          assertionAuth(assertion),
          new URLSearchParams({ scope: 'read' }),
          insecure,
        ),
      );
      expect(result.token_type).toBe('bearer');
      expect(result.scope).toBe('read');
      // A projected token without jti may be presented again until it expires, as kubelet does.
      const again = await post({ client_id: clientId, client_assertion: assertion });
      expect(again.status).toBe(200);
      expect(ctx.k8s.fetches.discovery - before.discovery).toBe(1);
      expect(ctx.k8s.fetches.jwks - before.jwks).toBe(1);

      await ctx.t.app.get(AuditWriter).flush();
      const { jti } = decodeJwt(result.access_token);
      const success = await ctx.t.db
        .collection('audit_logs')
        .find({ 'details.jti': jti })
        .toArray();
      // One entry per request: the grant, with the workload identity it authenticated with.
      expect(success).toEqual([
        expect.objectContaining({
          event_type: 'login_success',
          client_id: clientId,
          reason: 'client_credentials grant',
          details: {
            endpoint: '/oauth/token',
            method: 'federated',
            issuer: ctx.k8s.issuer,
            subject: 'system:serviceaccount:payments:api',
            grant_type: 'client_credentials',
            jti,
            scope: ['read'],
            audience: [],
            refresh_token_issued: false,
          },
        }),
      ]);
    });

    it('without client_id, the client is found by issuer and subject', async () => {
      const res = await post({
        client_assertion: await ctx.k8s.mint({
          sub: 'system:serviceaccount:payments:worker',
          aud: ctx.tokenEndpoint(),
        }),
      });
      expect(res.status).toBe(200);
    });

    it('a subject outside the pattern is refused', async () => {
      const res = await postAssertion(ctx.k8s, clientId, {
        sub: 'system:serviceaccount:billing:api',
        aud: ctx.t.issuer,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe(
        `no federated credential matches iss ${ctx.k8s.issuer} and sub system:serviceaccount:billing:api`,
      );
    });

    it('an audience other than this server is refused', async () => {
      const res = await postAssertion(ctx.k8s, clientId, {
        sub: 'system:serviceaccount:payments:api',
        aud: 'https://kubernetes.default.svc',
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toMatch(/^federated assertion rejected: jwt audience invalid/);
    });

    it('a rotated issuer key: unknown kid refetches and works; the old kid is refused', async () => {
      const { oldKey } = await ctx.k8s.rotate();
      const jwksBefore = ctx.k8s.fetches.jwks;
      const fresh = await postAssertion(ctx.k8s, clientId, {
        sub: 'system:serviceaccount:payments:api',
        aud: ctx.t.issuer,
      });
      expect(fresh.status).toBe(200);
      expect(ctx.k8s.fetches.jwks - jwksBefore).toBe(1);
      const old = await postAssertion(
        ctx.k8s,
        clientId,
        { sub: 'system:serviceaccount:payments:api', aud: ctx.t.issuer },
        oldKey,
      );
      expect(old.status).toBe(401);
      expect(await old.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe(
        `federated assertion rejected: no key of ${ctx.k8s.issuer} matches its kid and alg`,
      );
    });

    it('the issuer down: cached keys keep working until they expire, then it fails closed', async () => {
      const mint = () =>
        ctx.k8s.mint({ sub: 'system:serviceaccount:payments:api', aud: ctx.t.issuer });
      expect((await post({ client_id: clientId, client_assertion: await mint() })).status).toBe(
        200,
      );
      ctx.k8s.down = true;
      try {
        const cached = await post({ client_id: clientId, client_assertion: await mint() });
        expect(cached.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const closed = await post({ client_id: clientId, client_assertion: await mint() });
        expect(closed.status).toBe(401);
        expect(await closed.json()).toEqual(REFUSED);
        const [last] = await failures(clientId);
        expect(last.reason).toMatch(
          new RegExp(`^keys of issuer ${ctx.k8s.issuer} unavailable: .* answered HTTP 503$`),
        );
      } finally {
        ctx.k8s.down = false;
      }
      expect((await post({ client_id: clientId, client_assertion: await mint() })).status).toBe(
        200,
      );
    });

    it('an expired token is refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await postAssertion(ctx.k8s, clientId, {
        sub: 'system:serviceaccount:payments:api',
        aud: ctx.t.issuer,
        iat: now - 700,
        exp: now - 100,
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe('federated assertion rejected: jwt expired');
    });
  });
});
