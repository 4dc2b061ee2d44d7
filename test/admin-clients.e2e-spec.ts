import { AuditWriter } from '../src/audit/audit-writer.service';
import { createAdminClient, createClient, insertSeedClient } from './factories/client.factory';
import {
  basicAuth,
  form,
  recordEvents,
  startHttpTestApp,
  type HttpTestApp,
} from './utils/http-app';

/**
 * The admin client registry over HTTP against AppModule and the embedded database: every route,
 * the guards in front of it, hostile bodies, and a secret rotation with overlap proven on the
 * token endpoints themselves.
 */
describe('/admin/clients', () => {
  let t: HttpTestApp;
  let events: ReturnType<typeof recordEvents>;
  let adminToken: string;
  let adminId: string;

  const token = async (clientId: string, secret: string, scope?: string): Promise<string> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(clientId, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form({ grant_type: 'client_credentials', ...(scope && { scope }) }),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ access_token: string }>().access_token;
  };
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    bearer = adminToken,
  ) =>
    t.app.inject({
      method,
      url,
      headers: { ...(bearer && { authorization: `Bearer ${bearer}` }) },
      ...(body !== undefined && { payload: body as Record<string, unknown> }),
    });
  /** The status of a client-credentials request: 200 or 401 invalid_client. */
  const tokenStatus = async (clientId: string, secret: string): Promise<number> =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: {
          authorization: basicAuth(clientId, secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: form({ grant_type: 'client_credentials' }),
      })
    ).statusCode;
  /** The seed's form login: username = client_id, password = client_secret. */
  const seedLoginStatus = async (clientId: string, secret: string): Promise<number> =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ username: clientId, password: secret }),
      })
    ).statusCode;

  beforeAll(async () => {
    t = await startHttpTestApp();
    events = recordEvents(t.events);
    const admin = await createAdminClient(t.app);
    adminId = admin.clientId;
    adminToken = await token(admin.clientId, admin.secret);
  });
  afterAll(async () => {
    events?.stop();
    await t?.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    events.all.length = 0;
  });

  const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string][] = [
    ['POST', '/admin/clients'],
    ['GET', '/admin/clients'],
    ['GET', '/admin/clients/x'],
    ['PATCH', '/admin/clients/x'],
    ['DELETE', '/admin/clients/x'],
    ['POST', '/admin/clients/x/secrets'],
    ['POST', '/admin/clients/x/secrets/rotate'],
    ['DELETE', '/admin/clients/x/secrets/sec_x'],
  ];

  it.each(routes)('%s %s without a token: 401 invalid_token', async (method, url) => {
    const res = await call(
      method,
      url,
      method === 'POST' || method === 'PATCH' ? {} : undefined,
      '',
    );
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'missing bearer token',
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each(routes)(
    '%s %s with a user-role token holding the admin scope: 403 access_denied',
    async (method, url) => {
      const user = await createClient(t.app, { scopes: ['read', 'admin'], role: 'user' });
      const res = await call(method, url, {}, await token(user.clientId, user.secret));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: 'access_denied',
        error_description: 'client role is not allowed here (requires admin)',
      });
    },
  );

  it.each(routes)(
    '%s %s with an admin-role token without the admin scope: 403 insufficient_scope',
    async (method, url) => {
      const admin = await createAdminClient(t.app);
      const res = await call(method, url, {}, await token(admin.clientId, admin.secret, 'read'));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: 'insufficient_scope',
        error_description: 'token lacks scope: admin',
      });
    },
  );

  it('create → get → list → update → delete, with events and audit entries, never a hash', async () => {
    const created = await call('POST', '/admin/clients', {
      client_id: 'e2e-billing',
      name: 'Billing',
      scopes: ['read', 'write'],
      role: 'user',
      audiences: ['https://api.example.com'],
      refresh_tokens: true,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      client_id: 'e2e-billing',
      name: 'Billing',
      scopes: ['read', 'write'],
      role: 'user',
      audiences: ['https://api.example.com'],
      grant_types: ['client_credentials', 'refresh_token', 'password'],
      token_endpoint_auth_method: 'client_secret_basic',
      refresh_tokens: true,
      disabled: false,
      legacy_plaintext_secret: false,
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_secret_id: expect.stringMatching(/^sec_/),
    });
    const secret = body.client_secret as string;
    expect(await tokenStatus('e2e-billing', secret)).toBe(200);

    const one = await call('GET', '/admin/clients/e2e-billing');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      client_id: 'e2e-billing',
      secrets: [{ id: body.client_secret_id, active: true }],
    });
    expect(one.body).not.toContain('hmac-sha256');
    expect(one.body).not.toContain(secret);
    expect(one.json()).not.toHaveProperty('client_secret');

    const page1 = await call('GET', '/admin/clients?limit=1');
    expect(page1.statusCode).toBe(200);
    const p1 = page1.json<{ items: { client_id: string }[]; next_cursor?: string }>();
    expect(p1.items).toHaveLength(1);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const page2 = await call('GET', `/admin/clients?limit=200&cursor=${p1.next_cursor}`);
    const ids = [
      p1.items[0].client_id,
      ...page2.json<{ items: { client_id: string }[] }>().items.map((c) => c.client_id),
    ];
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining([adminId, 'e2e-billing']));
    expect(page2.body).not.toContain('hmac-sha256');

    const updated = await call('PATCH', '/admin/clients/e2e-billing', {
      scopes: ['read'],
      access_token_ttl_seconds: 120,
      disabled: true,
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      scopes: ['read'],
      access_token_ttl_seconds: 120,
      disabled: true,
    });
    // The change is seen at once by this instance's token endpoint.
    expect(await tokenStatus('e2e-billing', secret)).toBe(401);
    expect(
      (await call('PATCH', '/admin/clients/e2e-billing', { disabled: false })).statusCode,
    ).toBe(200);
    expect(await tokenStatus('e2e-billing', secret)).toBe(200);

    const deleted = await call('DELETE', '/admin/clients/e2e-billing');
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await tokenStatus('e2e-billing', secret)).toBe(401);
    expect((await call('GET', '/admin/clients/e2e-billing')).json()).toEqual({
      error: 'not_found',
      error_description: 'client "e2e-billing" not found',
    });

    const actor = `by admin ${adminId}`;
    expect(events.named('client.created')).toEqual([
      expect.objectContaining({ clientId: 'e2e-billing', reason: `client created ${actor}` }),
    ]);
    expect(events.named('client.updated').map((e) => e.reason)).toEqual([
      `client disabled (scopes, access_token_ttl_seconds) ${actor}`,
      `client enabled ${actor}`,
    ]);
    expect(events.named('client.deleted')).toEqual([
      expect.objectContaining({ clientId: 'e2e-billing', reason: `client deleted ${actor}` }),
    ]);
    await t.app.get(AuditWriter).flush();
    const audit = await t.db
      .collection('audit_logs')
      .find({ client_id: 'e2e-billing' })
      .sort({ timestamp: 1 })
      .toArray();
    expect(audit.map((a) => a.event_type)).toEqual(
      expect.arrayContaining(['client_created', 'client_updated', 'client_deleted']),
    );
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('rotation with overlap: old and new secret both work until the old one expires, then only the new one', async () => {
    const svc = await createClient(t.app);
    const rotated = await call('POST', `/admin/clients/${svc.clientId}/secrets/rotate`, {
      overlap_seconds: 600,
    });
    expect(rotated.statusCode).toBe(201);
    const { secret, expiring } = rotated.json<{
      secret: { id: string; client_secret: string };
      expiring: { id: string; expires_at: string; active: boolean }[];
    }>();
    expect(expiring).toEqual([
      {
        id: svc.secretId,
        created_at: expect.any(String),
        expires_at: expect.any(String),
        active: true,
      },
    ]);
    const expiresAt = Date.parse(expiring[0].expires_at);

    for (const s of [svc.secret, secret.client_secret]) {
      expect(await tokenStatus(svc.clientId, s)).toBe(200);
      expect(await seedLoginStatus(svc.clientId, s)).toBe(200);
    }

    // Past the overlap (the cache TTL is shorter, so no stale entry either).
    jest.spyOn(Date, 'now').mockReturnValue(expiresAt + 1_000);
    expect(await tokenStatus(svc.clientId, svc.secret)).toBe(401);
    expect(await seedLoginStatus(svc.clientId, svc.secret)).toBe(401);
    expect(await tokenStatus(svc.clientId, secret.client_secret)).toBe(200);
    expect(await seedLoginStatus(svc.clientId, secret.client_secret)).toBe(200);
    expect(events.named('client.authentication_failed')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: svc.clientId, reason: 'client_secret expired' }),
      ]),
    );
    expect(events.named('client.secret_added')).toEqual([
      expect.objectContaining({ clientId: svc.clientId, secretId: secret.id }),
    ]);
  });

  it('add a secret (with expires_in), then expire it now', async () => {
    const svc = await createClient(t.app);
    const added = await call('POST', `/admin/clients/${svc.clientId}/secrets`, {
      expires_in: 3600,
    });
    expect(added.statusCode).toBe(201);
    const extra = added.json<{ id: string; client_secret: string; expires_at: string }>();
    expect(Date.parse(extra.expires_at)).toBeGreaterThan(Date.now());
    expect(await tokenStatus(svc.clientId, extra.client_secret)).toBe(200);
    expect(await tokenStatus(svc.clientId, svc.secret)).toBe(200);

    const expired = await call('DELETE', `/admin/clients/${svc.clientId}/secrets/${extra.id}`);
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toMatchObject({ id: extra.id, active: false });
    expect(await tokenStatus(svc.clientId, extra.client_secret)).toBe(401);
    expect(await tokenStatus(svc.clientId, svc.secret)).toBe(200);
    expect(events.named('client.secret_expired')).toEqual([
      expect.objectContaining({ clientId: svc.clientId, secretId: extra.id }),
    ]);
    expect(
      (await call('DELETE', `/admin/clients/${svc.clientId}/secrets/sec_unknown`)).statusCode,
    ).toBe(404);
  });

  it('a seed client (plaintext secret) shows up, works, and can be rotated', async () => {
    const seed = await insertSeedClient(t.app);
    expect((await call('GET', `/admin/clients/${seed.clientId}`)).json()).toMatchObject({
      legacy_plaintext_secret: true,
      secrets: [],
      role: 'user',
    });
    const rotated = await call('POST', `/admin/clients/${seed.clientId}/secrets/rotate`, {});
    expect(rotated.statusCode).toBe(201);
    const stored = await t.db.collection('clients').findOne({ client_id: seed.clientId });
    expect(stored).not.toHaveProperty('client_secret');
    expect(JSON.stringify(stored)).not.toContain(seed.secret);
    expect(await seedLoginStatus(seed.clientId, seed.secret)).toBe(200); // within the 24 h default overlap
  });

  it.each([
    [
      'an operator object as client_id',
      { client_id: { $ne: null }, scopes: ['read'], role: 'user' },
    ],
    ['operator objects in scopes', { scopes: [{ $gt: '' }], role: 'user' }],
    ['an operator object as role', { scopes: ['read'], role: { $ne: 'x' } }],
    ['no role', { scopes: ['read'] }],
    ['an unknown grant type', { scopes: ['read'], role: 'user', grant_types: ['implicit'] }],
    [
      'private_key_jwt without jwks',
      { scopes: ['read'], role: 'user', token_endpoint_auth_method: 'private_key_jwt' },
    ],
    [
      'a private key in jwks',
      {
        scopes: [],
        role: 'user',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] },
      },
    ],
  ])('create with %s: 400 invalid_request, nothing stored', async (_what, payload) => {
    const before = await t.db.collection('clients').countDocuments();
    const res = await call('POST', '/admin/clients', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(await t.db.collection('clients').countDocuments()).toBe(before);
  });

  it('other bad input: duplicate id 409, malformed path 400, bad cursor 400, bad patch 400, unknown client 404', async () => {
    const svc = await createClient(t.app);
    const dup = await call('POST', '/admin/clients', {
      client_id: svc.clientId,
      scopes: [],
      role: 'user',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({
      error: 'conflict',
      error_description: `client "${svc.clientId}" already exists`,
    });
    expect((await call('GET', '/admin/clients/bad%20id')).statusCode).toBe(400);
    expect((await call('GET', '/admin/clients?cursor=%21%21')).statusCode).toBe(400);
    expect((await call('GET', '/admin/clients?limit=0')).statusCode).toBe(400);
    expect(
      (await call('PATCH', `/admin/clients/${svc.clientId}`, { disabled: 'yes' })).statusCode,
    ).toBe(400);
    expect(
      (await call('PATCH', `/admin/clients/${svc.clientId}`, { role: { $ne: null } })).statusCode,
    ).toBe(400);
    expect((await call('PATCH', '/admin/clients/nobody', { role: 'x' })).statusCode).toBe(404);
    expect((await call('POST', '/admin/clients/nobody/secrets/rotate', {})).statusCode).toBe(404);
    expect(
      (await call('POST', `/admin/clients/${svc.clientId}/secrets/rotate`, { overlap_seconds: -5 }))
        .statusCode,
    ).toBe(400);
    expect(await tokenStatus(svc.clientId, svc.secret)).toBe(200);
  });
});
