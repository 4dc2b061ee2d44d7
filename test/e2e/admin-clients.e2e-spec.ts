import { AuditWriter } from '../../src/audit/audit-writer.service';
import { createAdminClient, createClient } from '../support/factories/client.factory';
import { useAdminApp } from '../support/admin-app';
import { accessTokenFor, type AdminMethod } from '../support/http-app';

/**
 * The admin client registry over HTTP against AppModule and the embedded database: every route,
 * the guards in front of it and hostile bodies. Secrets and their rotation: admin-client-secrets.
 */
describe('/admin/clients', () => {
  const ctx = useAdminApp();
  const { call, tokenStatus } = ctx;
  const token = (clientId: string, secret: string, scope?: string): Promise<string> =>
    accessTokenFor(ctx.t.app, clientId, secret, scope);

  const routes: [AdminMethod, string][] = [
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
      const user = await createClient(ctx.t.app, { scopes: ['read', 'admin'], role: 'user' });
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
      const admin = await createAdminClient(ctx.t.app);
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
    expect(ids).toEqual(expect.arrayContaining([ctx.adminId, 'e2e-billing']));
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

    const actor = `by admin ${ctx.adminId}`;
    expect(ctx.events.named('client.created')).toEqual([
      expect.objectContaining({ clientId: 'e2e-billing', reason: `client created ${actor}` }),
    ]);
    expect(ctx.events.named('client.updated').map((e) => e.reason)).toEqual([
      `client disabled (scopes, access_token_ttl_seconds) ${actor}`,
      `client enabled ${actor}`,
    ]);
    expect(ctx.events.named('client.deleted')).toEqual([
      expect.objectContaining({ clientId: 'e2e-billing', reason: `client deleted ${actor}` }),
    ]);
    await ctx.t.app.get(AuditWriter).flush();
    const audit = await ctx.t.db
      .collection('audit_logs')
      .find({ client_id: 'e2e-billing' })
      .sort({ timestamp: 1 })
      .toArray();
    expect(audit.map((a) => a.event_type)).toEqual(
      expect.arrayContaining(['client_created', 'client_updated', 'client_deleted']),
    );
    expect(JSON.stringify(audit)).not.toContain(secret);
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
    const before = await ctx.t.db.collection('clients').countDocuments();
    const res = await call('POST', '/admin/clients', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(await ctx.t.db.collection('clients').countDocuments()).toBe(before);
  });

  it('other bad input: duplicate id 409, malformed path 400, bad cursor 400, bad patch 400, unknown client 404', async () => {
    const svc = await createClient(ctx.t.app);
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

  it('refresh_grace_seconds: set on create, changed by PATCH, shown, and limited to 0-60', async () => {
    const created = await call('POST', '/admin/clients', {
      scopes: ['read'],
      role: 'user',
      refresh_grace_seconds: 10,
    });
    expect(created.statusCode).toBe(201);
    const { client_id: id } = created.json<{ client_id: string }>();
    expect(created.json()).toMatchObject({ refresh_grace_seconds: 10 });
    expect(await ctx.t.db.collection('clients').findOne({ client_id: id })).toMatchObject({
      refresh_grace_seconds: 10,
    });
    const patched = await call('PATCH', `/admin/clients/${id}`, { refresh_grace_seconds: 0 });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ refresh_grace_seconds: 0 });
    const defaulted = await call('POST', '/admin/clients', { scopes: ['read'], role: 'user' });
    expect(defaulted.json()).toMatchObject({ refresh_grace_seconds: 0 });
    const bad: [unknown, string][] = [
      [61, 'refresh_grace_seconds must not be greater than 60'],
      [-1, 'refresh_grace_seconds must not be less than 0'],
      [2.5, 'refresh_grace_seconds must be an integer number'],
      [
        '5',
        'refresh_grace_seconds must not be greater than 60; refresh_grace_seconds must not be less than 0; refresh_grace_seconds must be an integer number',
      ],
    ];
    for (const [value, description] of bad) {
      const res = await call('PATCH', `/admin/clients/${id}`, { refresh_grace_seconds: value });
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: description },
      });
    }
    expect((await call('GET', `/admin/clients/${id}`)).json()).toMatchObject({
      refresh_grace_seconds: 0,
    });
  });
});
