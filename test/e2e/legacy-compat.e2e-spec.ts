import type { Db } from 'mongodb';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import { startHttpTestApp, recordEvents, type HttpTestApp } from '../support/http-app';
import { startLegacyDatabase, type LegacyDatabase } from '../support/legacy-database';

/**
 * The FastAPI service's README, run as written: a database prepared by hand (config document + a client
 * with a plaintext secret), then every curl command of its walkthrough.
 */
describe('drop-in successor of the FastAPI service', () => {
  let legacy: LegacyDatabase;
  let t: HttpTestApp;
  let db: Db;
  let events: ReturnType<typeof recordEvents>;

  const token = (payload = 'username=test_client&password=test_secret') =>
    t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      payload,
    });
  const refresh = (refreshToken: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/refresh',
      headers: { 'Content-Type': 'application/json' },
      payload: JSON.stringify({ refresh_token: refreshToken }),
    });
  const get = (url: string, accessToken: string) =>
    t.app.inject({ method: 'GET', url, headers: { Authorization: `Bearer ${accessToken}` } });

  /** The stored audit entries of one legacy event type written since `since`. */
  const audit = async (eventType: string, since: Date) => {
    await t.app.get(AuditWriter).flush();
    return db
      .collection('audit_logs')
      .find({ event_type: eventType, timestamp: { $gte: since } })
      .toArray();
  };
  let since: Date;

  beforeAll(async () => {
    legacy = await startLegacyDatabase();
    t = await startHttpTestApp({ mongoUri: legacy.uri, firstRun: true });
    db = legacy.db;
    events = recordEvents(t.events);
  });
  afterAll(async () => {
    events?.stop();
    await t?.close();
    await legacy?.stop();
  });
  beforeEach(() => {
    events.all.length = 0;
    since = new Date(Date.now() - 1);
  });

  it('leaves the hand-made config alone and creates no admin client on a legacy database', async () => {
    expect(await db.collection('config').findOne({ _id: 'jwt_config' as never })).toMatchObject({
      SECRET_KEY: 'your-super-secret-key-here',
      ALGORITHM: 'HS256',
      ACCESS_TOKEN_EXPIRE_MINUTES: 15,
    });
    expect(await db.collection('clients').countDocuments()).toBe(1);
  });

  it("POST /token: the FastAPI service's shape, an HS256 JWT, and the plaintext secret migrated to a hash (audited)", async () => {
    const res = await token();
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(decodeProtectedHeader(body.access_token).alg).toBe('HS256');
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: 'test_client',
      scopes: ['read', 'write'],
      role: 'user',
      iss: t.issuer,
    });

    const stored = await db.collection('clients').findOne({ client_id: 'test_client' });
    expect(stored?.client_secret).toBeUndefined();
    expect(stored?.secrets).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain('test_secret');
    expect(events.named('client.secret_migrated')).toEqual([
      expect.objectContaining({ clientId: 'test_client' }),
    ]);
    expect(events.named('token.issued')).toEqual([
      expect.objectContaining({
        clientId: 'test_client',
        grantType: 'password',
        refreshTokenIssued: true,
      }),
    ]);

    // The refresh token is stored hashed, never as issued.
    const rt = await db.collection('tokens').findOne({ client_id: 'test_client' });
    expect(rt).toBeTruthy();
    expect(JSON.stringify(rt)).not.toContain(body.refresh_token);
    // The FastAPI service's fields are there; a field the request did not have is absent, never stored as null.
    expect(rt).toMatchObject({ client_id: 'test_client', created_at: expect.any(Date) });
    const nullFields = Object.entries(rt!)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    expect(nullFields.sort()).toEqual(['revoked_at', 'used_at']);

    // The migrated (hashed) secret keeps working, without a second migration.
    events.all.length = 0;
    expect((await token()).statusCode).toBe(200);
    expect(events.named('client.secret_migrated')).toEqual([]);
  });

  it('POST /token with a wrong secret: 401 invalid_client, audited as a failed login', async () => {
    const res = await token('username=test_client&password=wrong');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(events.named('client.authentication_failed')).toEqual([
      expect.objectContaining({ clientId: 'test_client', code: 'invalid_client' }),
    ]);
    expect(events.named('token.denied')).toEqual([
      expect.objectContaining({
        clientId: 'test_client',
        code: 'invalid_client',
        endpoint: '/token',
      }),
    ]);
  });

  it('accepts the optional OAuth2 form fields grant_type and scope', async () => {
    const res = await token(
      'grant_type=password&username=test_client&password=test_secret&scope=read',
    );
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(res.json().access_token).scopes).toEqual(['read']);
    const cc = await token(
      'grant_type=client_credentials&username=test_client&password=test_secret',
    );
    expect(cc.statusCode).toBe(200);
    expect(cc.json().refresh_token).toEqual(expect.any(String));
    const bad = await token('username=test_client&password=test_secret&scope=admin');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'scope not allowed for this client: admin',
    });
  });

  it('GET /protected with the token; GET /admin-only is 403 for role user', async () => {
    const { access_token } = (await token()).json();
    const res = await get('/protected', access_token);
    expect(res.statusCode).toBe(200);
    const admin = await get('/admin-only', access_token);
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error).toEqual(
      expect.stringMatching(/^(insufficient_scope|access_denied)$/),
    );
  });

  it('POST /refresh rotates; presenting the used token again is reuse: 401 and the family is revoked', async () => {
    const first = (await token()).json();
    const res = await refresh(first.refresh_token);
    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(Object.keys(second).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
    expect(second.token_type).toBe('bearer');
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await get('/protected', second.access_token)).statusCode).toBe(200);

    const reuse = await refresh(first.refresh_token);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(events.named('refresh_token.reused')).toEqual([
      expect.objectContaining({ clientId: 'test_client' }),
    ]);
    // Every token of that family is revoked: the rotated refresh token and its access token.
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    expect((await get('/protected', second.access_token)).statusCode).toBe(401);
    expect(await db.collection('used_refresh_tokens').countDocuments()).toBeGreaterThan(0);
  });

  it('POST /refresh with an unknown token: 401 invalid_grant, audited as refresh_token_invalid', async () => {
    const res = await refresh('not-a-token-we-issued');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(events.named('refresh_token.invalid')).toHaveLength(1);
    expect(await audit('refresh_token_invalid', since)).toHaveLength(1);
  });

  it('twenty concurrent refreshes of one token: exactly one succeeds', async () => {
    const { refresh_token } = (await token()).json();
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(refresh_token)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 401)).toHaveLength(19);
  });

  it('POST /revoke: {"message": "Token revoked"}, stored by jti, and the token stops working', async () => {
    const { access_token } = (await token()).json();
    const res = await t.app.inject({
      method: 'POST',
      url: '/revoke',
      headers: { 'Content-Type': 'application/json' },
      payload: JSON.stringify({ access_token }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: 'Token revoked' });
    const { jti } = decodeJwt(access_token);
    const entry = await db.collection('revoked_tokens').findOne({ jti });
    expect(entry).toMatchObject({ jti, client_id: 'test_client' });
    expect(entry?.expires_at).toBeInstanceOf(Date);
    expect(JSON.stringify(entry)).not.toContain(access_token);
    expect(events.named('token.revoked')).toEqual([
      expect.objectContaining({ tokenType: 'access_token', jti }),
    ]);
    const after = await get('/protected', access_token);
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toBe('invalid_token');
    expect(await audit('token_invalid', since)).toHaveLength(1);
  });
});
