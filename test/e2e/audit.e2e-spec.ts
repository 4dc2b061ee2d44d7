import type { Db } from 'mongodb';
import { LEGACY_EVENT_TYPES } from '../../src/audit/audit-event-map';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import {
  createAdminClient,
  createClient,
  type TestClient,
} from '../support/factories/client.factory';
import {
  accessTokenFor,
  basicAuth,
  form,
  startHttpTestApp,
  type HttpTestApp,
} from '../support/http-app';

/**
 * The audit log over HTTP: every legacy event type produced by a real flow, stored with the FastAPI service's
 * fields and nothing secret, and GET /admin/audit with its filters, pagination and access rules.
 */
describe('audit log (events → audit_logs, GET /admin/audit)', () => {
  let t: HttpTestApp;
  let db: Db;
  let admin: TestClient;
  let user: TestClient;
  let adminToken: string;
  let userToken: string;
  const secrets: string[] = [];

  const post = (url: string, payload: string | object, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      payload,
      headers: {
        'content-type':
          typeof payload === 'string' ? 'application/x-www-form-urlencoded' : 'application/json',
        ...headers,
      },
    });
  const audit = (query: Record<string, string | number> = {}, token = adminToken) =>
    t.app.inject({
      method: 'GET',
      url: '/admin/audit',
      query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const issue = (client: TestClient, scope: string): Promise<string> =>
    accessTokenFor(t.app, client.clientId, client.secret, scope);

  beforeAll(async () => {
    t = await startHttpTestApp();
    db = t.db;
    admin = await createAdminClient(t.app);
    user = await createClient(t.app, { refreshTokens: true });
    adminToken = await issue(admin, 'admin');
    userToken = await issue(user, 'read');
    secrets.push(admin.secret, user.secret, adminToken, userToken);

    // The FastAPI service's flows, each producing one of its event types.
    const login = await post('/token', form({ username: user.clientId, password: user.secret }));
    expect(login.statusCode).toBe(200);
    const { access_token: accessToken, refresh_token: refreshToken } = login.json();
    secrets.push(accessToken, refreshToken);
    expect(
      (await post('/token', form({ username: user.clientId, password: 'wrong-secret' })))
        .statusCode,
    ).toBe(401);
    expect(
      (
        await post(
          '/revoke',
          { access_token: accessToken },
          { authorization: `Bearer ${userToken}` },
        )
      ).statusCode,
    ).toBe(200);
    const rotated = await post('/refresh', { refresh_token: refreshToken });
    expect(rotated.statusCode).toBe(200);
    secrets.push(rotated.json().refresh_token, rotated.json().access_token);
    expect((await post('/refresh', { refresh_token: refreshToken })).statusCode).toBe(401); // reuse
    expect(
      (await post('/refresh', { refresh_token: 'never-issued-refresh-token-000000000000' }))
        .statusCode,
    ).toBe(401);
    const tampered = `${userToken.slice(0, -4)}AAAA`;
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/protected',
          headers: { authorization: `Bearer ${tampered}` },
        })
      ).statusCode,
    ).toBe(401);
    // Rate limit: a low limit for a moment, exhausted by a client of its own.
    const runtime = t.app.get(RuntimeConfigService);
    const before = runtime.current.maxRequestsPerMinute;
    await runtime.update({ maxRequestsPerMinute: 1 });
    const noisy = await createClient(t.app);
    const noisyCall = () =>
      post('/oauth/token', form({ grant_type: 'client_credentials' }), {
        authorization: basicAuth(noisy.clientId, noisy.secret),
      });
    expect((await noisyCall()).statusCode).toBe(200);
    expect((await noisyCall()).statusCode).toBe(429);
    await runtime.update({ maxRequestsPerMinute: before });

    await t.app.get(AuditWriter).flush();
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each(LEGACY_EVENT_TYPES.map((type) => [type]))(
    '%s is recorded with the FastAPI service fields and is queryable',
    async (type) => {
      const res = await audit({ event_type: type });
      expect(res.statusCode).toBe(200);
      const { items } = res.json();
      expect(items.length).toBeGreaterThanOrEqual(1);
      for (const item of items) {
        expect(item).toEqual(
          expect.objectContaining({
            id: expect.any(String),
            event_type: type,
            ip: '127.0.0.1',
            reason: expect.any(String),
            timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            request_id: expect.any(String),
          }),
        );
      }
      const stored = await db.collection('audit_logs').findOne({ event_type: type });
      expect(stored).toEqual(
        expect.objectContaining({
          event_type: type,
          ip: '127.0.0.1',
          timestamp: expect.any(Date),
          expires_at: expect.any(Date),
        }),
      );
    },
  );

  it('writes exactly one entry for each request of the flows above', async () => {
    const perRequest = await db
      .collection('audit_logs')
      .aggregate<{ _id: string; types: string[] }>([
        { $match: { request_id: { $exists: true } } },
        { $group: { _id: '$request_id', types: { $push: '$event_type' } } },
      ])
      .toArray();
    // Requests: 2 token grants, /token twice, /revoke, /refresh three times, /protected, and the
    // rate-limited client's two token requests.
    expect(perRequest).toHaveLength(11);
    for (const { types } of perRequest) expect(types).toHaveLength(1);
  });

  it('names the client in login, refresh and revocation entries', async () => {
    for (const type of ['login_success', 'login_failure', 'refresh_token_reuse', 'token_revoked']) {
      const { items } = (await audit({ event_type: type, client_id: user.clientId })).json();
      expect(items.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('stores no secret and no token anywhere in audit_logs', async () => {
    const everything = JSON.stringify(await db.collection('audit_logs').find().toArray());
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('filters by client and time range, newest first', async () => {
    const { items } = (await audit({ client_id: user.clientId, limit: 500 })).json();
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect(items.every((i: { client_id: string }) => i.client_id === user.clientId)).toBe(true);
    const times = items.map((i: { timestamp: string }) => Date.parse(i.timestamp));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await audit({ from: future })).json()).toEqual({ items: [], next_cursor: null });
    const all = (
      await audit({
        client_id: user.clientId,
        to: future,
        from: '2000-01-01T00:00:00Z',
        limit: 500,
      })
    ).json();
    expect(all.items).toHaveLength(items.length);
  });

  it('pages with an opaque cursor without skipping or repeating entries', async () => {
    const full = (await audit({ client_id: user.clientId, limit: 500 }))
      .json()
      .items.map((i: { id: string }) => i.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await audit({ client_id: user.clientId, limit: 2, ...(cursor && { cursor }) });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(paged).toEqual(full);
  });

  it.each([
    [{ limit: 501 }, 'limit must not be greater than 500'],
    [{ limit: 0 }, 'limit must not be less than 1'],
    [{ event_type: 'no_such_event' }, 'event_type must be one of the following values'],
    [{ from: 'yesterday' }, 'from must be a valid ISO 8601 date string'],
    [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor is not a cursor this server issued'],
    [{ cursor: '{"$gt":""}' }, 'cursor is not a cursor this server issued'],
  ])('bad query %p: 400 invalid_request', async (query, description) => {
    const res = await audit(query);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining(description),
    });
  });

  it('refuses callers without a token (401) and without the admin scope or role (403)', async () => {
    const anonymous = await audit({}, '');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({
      error: 'invalid_token',
      error_description: 'missing bearer token',
    });

    const notAdmin = await audit({}, userToken);
    expect(notAdmin.statusCode).toBe(403);
    expect(notAdmin.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'token lacks scope: admin',
    });

    const adminScopeUserRole = await createClient(t.app, { scopes: ['admin'], role: 'user' });
    const res = await audit({}, await issue(adminScopeUserRole, 'admin'));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'access_denied',
      error_description: 'client role is not allowed here (requires admin)',
    });
  });
});
