import { decodeJwt } from 'jose';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { auditedRequests } from '../support/audited-requests';
import { startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * One audit entry per request outcome, over HTTP against the real app and database: every
 * request is sent with its own X-Request-Id and exactly one stored entry carries it, with its
 * exact event_type, reason and details. Here: the grants and the refresh refusals.
 */
describe('audit: one entry per token grant', () => {
  let t: HttpTestApp;
  let client: TestClient;
  const audit = auditedRequests(() => t);
  const IP = '127.0.0.1';

  beforeAll(async () => {
    t = await startHttpTestApp();
    client = await createClient(t.app, { refreshTokens: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('client_credentials success: one login_success with the grant in details', async () => {
    const res = await audit.token(client, { grant_type: 'client_credentials', scope: 'read' });
    expect(res.status).toBe(200);
    const { jti } = decodeJwt(res.body.access_token as string);
    expect(await audit.entriesOf(res.id)).toEqual([
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
    const res = await audit.legacyLogin(client);
    expect(res.status).toBe(200);
    const { jti } = decodeJwt(res.body.access_token as string);
    expect(await audit.entriesOf(res.id)).toEqual([
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
    const login = await audit.legacyLogin(client);
    const refreshToken = login.body.refresh_token as string;
    const rotated = await audit.send('POST', '/refresh', {}, { refresh_token: refreshToken });
    expect(rotated.status).toBe(200);
    const { jti } = decodeJwt(rotated.body.access_token as string);
    expect(await audit.entriesOf(rotated.id)).toEqual([
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

    const reuse = await audit.send('POST', '/refresh', {}, { refresh_token: refreshToken });
    expect(reuse.status).toBe(401);
    const [entry, ...more] = await audit.entriesOf(reuse.id);
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

  it('a refresh_token grant at /oauth/token: one token_issued naming the authentication', async () => {
    const first = await audit.token(client, { grant_type: 'client_credentials', scope: 'read' });
    const res = await audit.token(client, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
    });
    expect(res.status).toBe(200);
    const { jti } = decodeJwt(res.body.access_token as string);
    expect(await audit.entriesOf(res.id)).toEqual([
      {
        event_type: 'token_issued',
        client_id: client.clientId,
        ip: IP,
        reason: 'refresh_token grant',
        details: {
          endpoint: '/oauth/token',
          method: 'client_secret_basic',
          grant_type: 'refresh_token',
          jti,
          scope: ['read'],
          audience: [],
          refresh_token_issued: true,
        },
      },
    ]);
  });

  it('refresh_token_invalid for a token never issued', async () => {
    const res = await audit.send(
      'POST',
      '/refresh',
      {},
      { refresh_token: 'never-issued-0000000000' },
    );
    expect(res.status).toBe(401);
    expect(await audit.entriesOf(res.id)).toEqual([
      {
        event_type: 'refresh_token_invalid',
        ip: IP,
        reason: 'unknown refresh token',
        details: { endpoint: '/refresh', code: 'invalid_grant' },
      },
    ]);
  });
});
