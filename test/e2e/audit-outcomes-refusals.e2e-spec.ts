import { decodeJwt } from 'jose';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { auditedRequests } from '../support/audited-requests';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import { basicAuth, form, startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * One audit entry per request outcome, over HTTP against the real app and database: every
 * request is sent with its own X-Request-Id and exactly one stored entry carries it, with its
 * exact event_type, reason and details. Here: client authentication and rate-limit refusals,
 * the generic refusal, revocation, introspection and protected routes.
 */
describe('audit: one entry per refused, revoking or introspecting request', () => {
  let t: HttpTestApp;
  let client: TestClient;
  const audit = auditedRequests(() => t);
  const IP = '127.0.0.1';

  beforeAll(async () => {
    t = await startHttpTestApp();
    client = await createClient(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a wrong secret and an unknown client: one login_failure each, with the reason', async () => {
    const wrong = await audit.token(
      { ...client, secret: 'nope' },
      { grant_type: 'client_credentials' },
    );
    expect(wrong.status).toBe(401);
    expect(await audit.entriesOf(wrong.id)).toEqual([
      {
        event_type: 'login_failure',
        client_id: client.clientId,
        ip: IP,
        reason: 'client_secret does not match',
        details: { endpoint: '/oauth/token', code: 'invalid_client' },
      },
    ]);

    const unknown = await audit.token(
      { ...client, clientId: 'no-such-client' },
      { grant_type: 'client_credentials' },
    );
    expect(unknown.status).toBe(401);
    expect(await audit.entriesOf(unknown.id)).toEqual([
      {
        event_type: 'login_failure',
        client_id: 'no-such-client',
        ip: IP,
        reason: 'unknown client',
        details: { endpoint: '/oauth/token', code: 'invalid_client' },
      },
    ]);
  });

  it('a rate-limited request: one rate_limit_exceeded', async () => {
    const runtime = t.app.get(RuntimeConfigService);
    const before = runtime.current.maxRequestsPerMinute;
    const noisy = await createClient(t.app);
    try {
      await runtime.update({ maxRequestsPerMinute: 1 });
      expect((await audit.token(noisy, { grant_type: 'client_credentials' })).status).toBe(200);
      const limited = await audit.token(noisy, { grant_type: 'client_credentials' });
      expect(limited.status).toBe(429);
      expect(await audit.entriesOf(limited.id)).toEqual([
        {
          event_type: 'rate_limit_exceeded',
          client_id: noisy.clientId,
          ip: IP,
          reason: 'more than 1 requests per minute from this client and IP',
          details: { endpoint: '/oauth/token', code: 'rate_limit_exceeded' },
        },
      ]);
    } finally {
      await runtime.update({ maxRequestsPerMinute: before });
    }
  });

  it('invalid_request and unsupported_grant_type: one token_denied each', async () => {
    const missing = await audit.token(client, { scope: 'read' });
    expect(missing.status).toBe(400);
    expect(await audit.entriesOf(missing.id)).toEqual([
      {
        event_type: 'token_denied',
        client_id: client.clientId,
        ip: IP,
        reason: 'grant_type is required',
        details: {
          endpoint: '/oauth/token',
          method: 'client_secret_basic',
          code: 'invalid_request',
        },
      },
    ]);

    const unsupported = await audit.token(client, { grant_type: 'implicit' });
    expect(unsupported.status).toBe(400);
    expect(await audit.entriesOf(unsupported.id)).toEqual([
      {
        event_type: 'token_denied',
        client_id: client.clientId,
        ip: IP,
        reason: 'grant_type implicit is not supported',
        details: {
          endpoint: '/oauth/token',
          method: 'client_secret_basic',
          code: 'unsupported_grant_type',
        },
      },
    ]);
  });

  it('revocation: one token_revoked; introspection: one login_success', async () => {
    const issued = await audit.token(client, { grant_type: 'client_credentials' });
    const accessToken = issued.body.access_token as string;
    const { jti } = decodeJwt(accessToken);
    const auth = { authorization: basicAuth(client.clientId, client.secret) };

    const introspected = await audit.send(
      'POST',
      '/oauth/introspect',
      auth,
      form({ token: accessToken }),
    );
    expect(introspected.status).toBe(200);
    expect(await audit.entriesOf(introspected.id)).toEqual([
      {
        event_type: 'login_success',
        client_id: client.clientId,
        ip: IP,
        reason: 'authenticated with client_secret_basic',
        details: { endpoint: '/oauth/introspect', method: 'client_secret_basic' },
      },
    ]);

    const revoked = await audit.send('POST', '/oauth/revoke', auth, form({ token: accessToken }));
    expect(revoked.status).toBe(200);
    expect(await audit.entriesOf(revoked.id)).toEqual([
      {
        event_type: 'token_revoked',
        client_id: client.clientId,
        ip: IP,
        reason: 'revoked by request',
        details: {
          endpoint: '/oauth/revoke',
          method: 'client_secret_basic',
          token_type: 'access_token',
          jti,
        },
      },
    ]);
  });

  it('a protected route: one token_invalid for a bad token, one access_denied without the scope', async () => {
    const issued = await audit.token(client, { grant_type: 'client_credentials', scope: 'write' });
    const accessToken = issued.body.access_token as string;
    const tampered = await audit.send('GET', '/protected', {
      authorization: `Bearer ${accessToken.slice(0, -4)}AAAA`,
    });
    expect(tampered.status).toBe(401);
    expect(await audit.entriesOf(tampered.id)).toEqual([
      {
        event_type: 'token_invalid',
        ip: IP,
        reason: 'invalid token signature',
        details: { endpoint: '/protected', code: 'invalid_token' },
      },
    ]);

    const unscoped = await audit.send('GET', '/protected', {
      authorization: `Bearer ${accessToken}`,
    });
    expect(unscoped.status).toBe(403);
    expect(await audit.entriesOf(unscoped.id)).toEqual([
      {
        event_type: 'access_denied',
        client_id: client.clientId,
        ip: IP,
        reason: 'token lacks scope: read',
        details: { endpoint: '/protected', code: 'insufficient_scope' },
      },
    ]);
  });

  it('a protected route without a token: one access_denied', async () => {
    const res = await audit.send('GET', '/protected');
    expect(res.status).toBe(401);
    expect(await audit.entriesOf(res.id)).toEqual([
      {
        event_type: 'access_denied',
        ip: IP,
        reason: 'missing bearer token',
        details: { endpoint: '/protected', code: 'missing_token' },
      },
    ]);
  });

  it('a request with no security outcome writes nothing', async () => {
    const res = await audit.send('GET', '/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(await audit.entriesOf(res.id)).toEqual([]);
  });
});
