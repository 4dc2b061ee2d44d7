import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { AuditWriter } from '../../../src/audit/audit-writer.service';
import { createAdminClient } from '../../support/factories/client.factory';
import {
  accessTokenFor,
  bearerCall,
  form,
  startHttpTestApp,
  type HttpTestApp,
} from '../../support/http-app';
import { WorkloadIssuer } from '../../support/workload-issuer';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const REFUSED = { error: 'invalid_client', error_description: 'client authentication failed' };

/**
 * Workload identity federation end to end: real local issuers (Kubernetes- and GitHub-shaped)
 * publish discovery and JWKS over HTTP; oauth4webapi and openid-client send their JWTs as client
 * assertions to the real AppModule; the key cache is watched through the issuers' fetch counts.
 */
describe('conformance: federated client assertions', () => {
  let t: HttpTestApp;
  let k8s: WorkloadIssuer;
  let github: WorkloadIssuer;
  let adminToken: string;
  const insecure = { [oauth.allowInsecureRequests]: true };
  const tokenEndpoint = () => `${t.issuer}/oauth/token`;

  beforeAll(async () => {
    k8s = await WorkloadIssuer.start('kubernetes');
    github = await WorkloadIssuer.start('github');
    t = await startHttpTestApp({
      listen: true,
      env: {
        FEDERATION_JWKS_MIN_CACHE_SECONDS: '1',
        FEDERATION_JWKS_MAX_CACHE_SECONDS: '1',
        FEDERATION_JWKS_REFRESH_INTERVAL_SECONDS: '0',
      },
    });
    const admin = await createAdminClient(t.app);
    adminToken = await accessTokenFor(t.app, admin.clientId, admin.secret);
  });
  afterAll(async () => {
    await t?.close();
    await k8s?.close();
    await github?.close();
  });

  let counter = 0;
  const register = async (credentials: unknown[], extra: Record<string, unknown> = {}) => {
    const clientId = `workload-${++counter}`;
    const res = await bearerCall(t.app, adminToken, 'POST', '/admin/clients', {
      client_id: clientId,
      scopes: ['read', 'write'],
      role: 'service',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: credentials,
      ...extra,
    });
    expect(res.statusCode).toBe(201);
    return { clientId, body: res.json<Record<string, unknown>>() };
  };
  const assertionAuth =
    (assertion: string): oauth.ClientAuth =>
    (_as, _client, body) => {
      body.set('client_assertion_type', JWT_BEARER);
      body.set('client_assertion', assertion);
    };
  const post = (fields: Record<string, string>) =>
    fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        ...fields,
      }),
    });
  const failures = async (clientId?: string) => {
    await t.app.get(AuditWriter).flush();
    return t.db
      .collection('audit_logs')
      .find({ event_type: 'login_failure', ...(clientId && { client_id: clientId }) })
      .sort({ timestamp: -1 })
      .toArray();
  };

  describe('registration', () => {
    it('stores federated_credentials and shows them in the admin API', async () => {
      const { clientId, body } = await register([
        { issuer: k8s.issuer, subject: 'system:serviceaccount:payments:*' },
        { issuer: github.issuer, subject: 'repo:acme/payments:ref:refs/heads/main', audience: 'x' },
      ]);
      expect(body.federated_credentials).toEqual([
        { issuer: k8s.issuer, subject: 'system:serviceaccount:payments:*' },
        { issuer: github.issuer, subject: 'repo:acme/payments:ref:refs/heads/main', audience: 'x' },
      ]);
      // A secretless client: no secret was generated.
      expect(body.client_secret).toBeUndefined();
      const res = await bearerCall(t.app, adminToken, 'PATCH', `/admin/clients/${clientId}`, {
        federated_credentials: [{ issuer: k8s.issuer, subject: 'system:serviceaccount:a:b' }],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<Record<string, unknown>>().federated_credentials).toEqual([
        { issuer: k8s.issuer, subject: 'system:serviceaccount:a:b' },
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
      const res = await bearerCall(t.app, adminToken, 'POST', '/admin/clients', {
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
        { issuer: k8s.issuer, subject: 'system:serviceaccount:payments:*' },
      ]));
    });

    it('oauth4webapi authenticates with it (discovery of the issuer, JWKS fetched once)', async () => {
      const issuer = new URL(t.issuer);
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
      const before = { ...k8s.fetches };
      const assertion = await k8s.mint({
        sub: 'system:serviceaccount:payments:api',
        aud: t.issuer,
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
      expect(k8s.fetches.discovery - before.discovery).toBe(1);
      expect(k8s.fetches.jwks - before.jwks).toBe(1);

      await t.app.get(AuditWriter).flush();
      const success = await t.db
        .collection('audit_logs')
        .findOne({ event_type: 'login_success', client_id: clientId });
      expect(success).toEqual(
        expect.objectContaining({
          reason: 'authenticated with federated',
          details: {
            method: 'federated',
            issuer: k8s.issuer,
            subject: 'system:serviceaccount:payments:api',
          },
        }),
      );
    });

    it('without client_id, the client is found by issuer and subject', async () => {
      const res = await post({
        client_assertion: await k8s.mint({
          sub: 'system:serviceaccount:payments:worker',
          aud: tokenEndpoint(),
        }),
      });
      expect(res.status).toBe(200);
    });

    it('a subject outside the pattern is refused', async () => {
      const res = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'system:serviceaccount:billing:api',
          aud: t.issuer,
        }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe(
        `no federated credential matches iss ${k8s.issuer} and sub system:serviceaccount:billing:api`,
      );
    });

    it('an audience other than this server is refused', async () => {
      const res = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'system:serviceaccount:payments:api',
          aud: 'https://kubernetes.default.svc',
        }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toMatch(/^federated assertion rejected: jwt audience invalid/);
    });

    it('a rotated issuer key: unknown kid refetches and works; the old kid is refused', async () => {
      const { oldKey } = await k8s.rotate();
      const jwksBefore = k8s.fetches.jwks;
      const fresh = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'system:serviceaccount:payments:api',
          aud: t.issuer,
        }),
      });
      expect(fresh.status).toBe(200);
      expect(k8s.fetches.jwks - jwksBefore).toBe(1);
      const old = await post({
        client_id: clientId,
        client_assertion: await k8s.mint(
          { sub: 'system:serviceaccount:payments:api', aud: t.issuer },
          oldKey,
        ),
      });
      expect(old.status).toBe(401);
      expect(await old.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe(
        `federated assertion rejected: no key of ${k8s.issuer} matches its kid and alg`,
      );
    });

    it('the issuer down: cached keys keep working until they expire, then it fails closed', async () => {
      const mint = () => k8s.mint({ sub: 'system:serviceaccount:payments:api', aud: t.issuer });
      expect((await post({ client_id: clientId, client_assertion: await mint() })).status).toBe(
        200,
      );
      k8s.down = true;
      try {
        const cached = await post({ client_id: clientId, client_assertion: await mint() });
        expect(cached.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const closed = await post({ client_id: clientId, client_assertion: await mint() });
        expect(closed.status).toBe(401);
        expect(await closed.json()).toEqual(REFUSED);
        const [last] = await failures(clientId);
        expect(last.reason).toMatch(
          new RegExp(`^keys of issuer ${k8s.issuer} unavailable: .* answered HTTP 503$`),
        );
      } finally {
        k8s.down = false;
      }
      expect((await post({ client_id: clientId, client_assertion: await mint() })).status).toBe(
        200,
      );
    });

    it('an expired token is refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'system:serviceaccount:payments:api',
          aud: t.issuer,
          iat: now - 700,
          exp: now - 100,
        }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
      const [last] = await failures(clientId);
      expect(last.reason).toBe('federated assertion rejected: jwt expired');
    });
  });

  describe('GitHub Actions OIDC token', () => {
    let clientId: string;
    const sub = 'repo:acme/payments:ref:refs/heads/main';
    beforeAll(async () => {
      ({ clientId } = await register([
        { issuer: github.issuer, subject: sub, audience: t.issuer },
      ]));
    });

    it('openid-client authenticates with it through a ClientAuth function; its jti is single-use', async () => {
      const assertion = await github.mint({ sub, aud: t.issuer });
      const config = await client.discovery(
        new URL(t.issuer),
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
      const res = await post({
        client_id: clientId,
        client_assertion: await github.mint({
          sub: 'repo:acme/payments:ref:refs/heads/feature',
          aud: t.issuer,
        }),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REFUSED);
    });

    it('a credential audience the token lacks is refused', async () => {
      const { clientId: strict } = await register([
        { issuer: github.issuer, subject: 'repo:acme/strict:*', audience: 'api://payments' },
      ]);
      const res = await post({
        client_id: strict,
        client_assertion: await github.mint({ sub: 'repo:acme/strict:ref:x', aud: t.issuer }),
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
        other.redirectTo = `${github.jwksUri}`;
        const res = await post({
          client_id: redirected,
          client_assertion: await other.mint({ sub, aud: t.issuer }),
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
          issuer: k8s.issuer,
          subject: 'spiffe://example.org/ns/payments/*',
          jwks_uri: k8s.jwksUri,
        },
      ]);
      const discoveries = k8s.fetches.discovery;
      const ok = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'spiffe://example.org/ns/payments/sa/api',
          aud: [t.issuer, 'spiffe://example.org/other'],
        }),
      });
      expect(ok.status).toBe(200);
      expect(k8s.fetches.discovery).toBe(discoveries);
      const other = await post({
        client_id: clientId,
        client_assertion: await k8s.mint({
          sub: 'spiffe://evil.org/ns/payments/sa/api',
          aud: t.issuer,
        }),
      });
      expect(other.status).toBe(401);
      expect(await other.json()).toEqual(REFUSED);
    });
  });
});
