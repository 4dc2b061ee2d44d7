import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { basicAuth, form, startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * One audit entry per request outcome, over HTTP against the real app and database: every
 * request is sent with its own X-Request-Id and exactly one stored entry carries it, with its
 * exact event_type, reason and details.
 */
describe('audit: one entry per request outcome', () => {
  let t: HttpTestApp;
  let client: TestClient;
  const IP = '127.0.0.1';

  interface Sent {
    id: string;
    status: number;
    body: Record<string, unknown>;
  }

  const send = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    payload?: string | object,
  ): Promise<Sent> => {
    const id = randomUUID();
    const res = await t.app.inject({
      method,
      url,
      headers: {
        'x-request-id': id,
        ...(typeof payload === 'string' && {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        ...headers,
      },
      ...(payload !== undefined && { payload }),
    });
    return { id, status: res.statusCode, body: res.body ? res.json() : {} };
  };
  const token = (fields: Record<string, string>, auth = client) =>
    send(
      'POST',
      '/oauth/token',
      { authorization: basicAuth(auth.clientId, auth.secret) },
      form(fields),
    );
  const legacyLogin = (password = client.secret) =>
    send('POST', '/token', {}, form({ username: client.clientId, password }));

  /** The entries one request wrote, without the fields every entry has (checked here). */
  const entriesOf = async (id: string) => {
    await t.app.get(AuditWriter).flush();
    const stored = await t.db.collection('audit_logs').find({ request_id: id }).toArray();
    return stored.map(({ _id, timestamp, expires_at, request_id, ...rest }) => {
      expect(timestamp).toBeInstanceOf(Date);
      expect(expires_at).toBeInstanceOf(Date);
      expect(request_id).toBe(id);
      return rest;
    });
  };

  beforeAll(async () => {
    t = await startHttpTestApp();
    client = await createClient(t.app, { refreshTokens: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('client_credentials success: one login_success with the grant in details', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'read' });
    expect(res.status).toBe(200);
    const { jti } = decodeJwt(res.body.access_token as string);
    expect(await entriesOf(res.id)).toEqual([
      {
        event_type: 'login_success',
        client_id: client.clientId,
        ip: IP,
        reason: 'client_credentials grant',
        details: {
          endpoint: '/oauth/token',
          method: 'client_secret_basic',
          grant_type: 'client_credentials',
          jti,
          scope: ['read'],
          audience: [],
          // The client is registered for refresh tokens.
          refresh_token_issued: true,
        },
      },
    ]);
  });

  it("the FastAPI service's /token: one login_success", async () => {
    const res = await legacyLogin();
    expect(res.status).toBe(200);
    const { jti } = decodeJwt(res.body.access_token as string);
    expect(await entriesOf(res.id)).toEqual([
      {
        event_type: 'login_success',
        client_id: client.clientId,
        ip: IP,
        reason: 'password grant',
        details: {
          endpoint: '/token',
          method: 'client_secret_post',
          grant_type: 'password',
          jti,
          scope: ['read', 'write'],
          audience: [],
          refresh_token_issued: true,
        },
      },
    ]);
  });

  it('refresh rotation and reuse: one token_issued, then one refresh_token_reuse', async () => {
    const login = await legacyLogin();
    const refreshToken = login.body.refresh_token as string;
    const rotated = await send('POST', '/refresh', {}, { refresh_token: refreshToken });
    expect(rotated.status).toBe(200);
    const { jti } = decodeJwt(rotated.body.access_token as string);
    expect(await entriesOf(rotated.id)).toEqual([
      {
        event_type: 'token_issued',
        client_id: client.clientId,
        ip: IP,
        reason: 'refresh_token grant',
        details: {
          endpoint: '/refresh',
          grant_type: 'refresh_token',
          jti,
          scope: ['read', 'write'],
          audience: [],
          refresh_token_issued: true,
        },
      },
    ]);

    const reuse = await send('POST', '/refresh', {}, { refresh_token: refreshToken });
    expect(reuse.status).toBe(401);
    const [entry, ...more] = await entriesOf(reuse.id);
    expect(more).toEqual([]);
    expect(entry).toEqual({
      event_type: 'refresh_token_reuse',
      client_id: client.clientId,
      ip: IP,
      reason: 'a used refresh token was presented again; its family is revoked',
      details: {
        endpoint: '/refresh',
        // The family's revocation and the refusal add what they know.
        token_type: 'family',
        family_id: expect.any(String),
        code: 'invalid_grant',
      },
    });
  });

  it('refresh_token_invalid for a token never issued', async () => {
    const res = await send('POST', '/refresh', {}, { refresh_token: 'never-issued-0000000000' });
    expect(res.status).toBe(401);
    expect(await entriesOf(res.id)).toEqual([
      {
        event_type: 'refresh_token_invalid',
        ip: IP,
        reason: 'unknown refresh token',
        details: { endpoint: '/refresh', code: 'invalid_grant' },
      },
    ]);
  });

  it('a wrong secret and an unknown client: one login_failure each, with the reason', async () => {
    const wrong = await token({ grant_type: 'client_credentials' }, { ...client, secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await entriesOf(wrong.id)).toEqual([
      {
        event_type: 'login_failure',
        client_id: client.clientId,
        ip: IP,
        reason: 'client_secret does not match',
        details: { endpoint: '/oauth/token', code: 'invalid_client' },
      },
    ]);

    const unknown = await token(
      { grant_type: 'client_credentials' },
      { ...client, clientId: 'no-such-client' },
    );
    expect(unknown.status).toBe(401);
    expect(await entriesOf(unknown.id)).toEqual([
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
      expect((await token({ grant_type: 'client_credentials' }, noisy)).status).toBe(200);
      const limited = await token({ grant_type: 'client_credentials' }, noisy);
      expect(limited.status).toBe(429);
      expect(await entriesOf(limited.id)).toEqual([
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
    const missing = await token({ scope: 'read' });
    expect(missing.status).toBe(400);
    expect(await entriesOf(missing.id)).toEqual([
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

    const unsupported = await token({ grant_type: 'implicit' });
    expect(unsupported.status).toBe(400);
    expect(await entriesOf(unsupported.id)).toEqual([
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
    const issued = await token({ grant_type: 'client_credentials' });
    const accessToken = issued.body.access_token as string;
    const { jti } = decodeJwt(accessToken);
    const auth = { authorization: basicAuth(client.clientId, client.secret) };

    const introspected = await send(
      'POST',
      '/oauth/introspect',
      auth,
      form({ token: accessToken }),
    );
    expect(introspected.status).toBe(200);
    expect(await entriesOf(introspected.id)).toEqual([
      {
        event_type: 'login_success',
        client_id: client.clientId,
        ip: IP,
        reason: 'authenticated with client_secret_basic',
        details: { endpoint: '/oauth/introspect', method: 'client_secret_basic' },
      },
    ]);

    const revoked = await send('POST', '/oauth/revoke', auth, form({ token: accessToken }));
    expect(revoked.status).toBe(200);
    expect(await entriesOf(revoked.id)).toEqual([
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
    const issued = await token({ grant_type: 'client_credentials', scope: 'write' });
    const accessToken = issued.body.access_token as string;
    const tampered = await send('GET', '/protected', {
      authorization: `Bearer ${accessToken.slice(0, -4)}AAAA`,
    });
    expect(tampered.status).toBe(401);
    expect(await entriesOf(tampered.id)).toEqual([
      {
        event_type: 'token_invalid',
        ip: IP,
        reason: 'invalid token signature',
        details: { endpoint: '/protected', code: 'invalid_token' },
      },
    ]);

    const unscoped = await send('GET', '/protected', { authorization: `Bearer ${accessToken}` });
    expect(unscoped.status).toBe(403);
    expect(await entriesOf(unscoped.id)).toEqual([
      {
        event_type: 'access_denied',
        client_id: client.clientId,
        ip: IP,
        reason: 'token lacks scope: read',
        details: { endpoint: '/protected', code: 'insufficient_scope' },
      },
    ]);
  });

  it('a request with no security outcome writes nothing', async () => {
    const res = await send('GET', '/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(await entriesOf(res.id)).toEqual([]);
  });
});
