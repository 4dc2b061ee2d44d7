import { createClient } from '../support/factories/client.factory';
import { useAdminApp } from '../support/admin-app';
import { accessTokenFor } from '../support/http-app';
import { introspect, openFamily, refresh, REVOKED } from '../support/refresh-race';

/**
 * What a client's tokens become when the client is deleted, disabled, re-created or demoted:
 * nothing of an earlier registration survives, and a demotion is enforced within the
 * revocation propagation time (1 s).
 */
describe('client lifecycle and its tokens', () => {
  const ctx = useAdminApp();

  /** A client created through the admin API, as an operator would. */
  async function register(clientId: string, body: Record<string, unknown> = {}) {
    const res = await ctx.call('POST', '/admin/clients', {
      client_id: clientId,
      scopes: ['read', 'write'],
      role: 'user',
      refresh_tokens: true,
      ...body,
    });
    expect(res.statusCode).toBe(201);
    return { clientId, secret: res.json<{ client_secret: string }>().client_secret };
  }

  it('delete and re-create: the old refresh token is refused and introspects inactive', async () => {
    const first = await register('lifecycle-recreated');
    const old = await openFamily(ctx.t.app, first, 'oauth');
    expect((await ctx.call('DELETE', '/admin/clients/lifecycle-recreated')).statusCode).toBe(204);
    const second = await register('lifecycle-recreated');

    for (const endpoint of ['oauth', 'legacy'] as const) {
      const res = await refresh(ctx.t.app, second, endpoint, old.refreshToken);
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: endpoint === 'oauth' ? 400 : 401,
        body: { error: 'invalid_grant', error_description: REVOKED },
      });
    }
    expect((await introspect(ctx.t.app, second, old.refreshToken)).json()).toEqual({
      active: false,
    });
    expect((await introspect(ctx.t.app, second, old.accessToken)).json()).toEqual({
      active: false,
    });
    // The new registration works on its own.
    const fresh = await openFamily(ctx.t.app, second, 'oauth');
    expect((await refresh(ctx.t.app, second, 'oauth', fresh.refreshToken)).statusCode).toBe(200);
  });

  it('a client removed behind the API and re-created inherits nothing either', async () => {
    const first = await register('lifecycle-hand-deleted');
    const old = await openFamily(ctx.t.app, first, 'oauth');
    // A hand edit in the database: no revocation runs.
    await ctx.t.db.collection('clients').deleteOne({ client_id: 'lifecycle-hand-deleted' });
    const second = await register('lifecycle-hand-deleted');

    const res = await refresh(ctx.t.app, second, 'oauth', old.refreshToken);
    expect({ status: res.statusCode, body: res.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'refresh token was issued to an earlier registration of this client id',
      },
    });
    const legacy = await refresh(ctx.t.app, second, 'legacy', old.refreshToken);
    expect(legacy.statusCode).toBe(401);
    expect((await introspect(ctx.t.app, second, old.refreshToken)).json()).toEqual({
      active: false,
    });
  });

  it('disabling revokes the refresh families and access tokens; enabling again does not revive them', async () => {
    const c = await register('lifecycle-disabled');
    const family = await openFamily(ctx.t.app, c, 'oauth');
    const disabled = await ctx.call('PATCH', '/admin/clients/lifecycle-disabled', {
      disabled: true,
    });
    expect(disabled.statusCode).toBe(200);
    await ctx.call('PATCH', '/admin/clients/lifecycle-disabled', { disabled: false });
    const res = await refresh(ctx.t.app, c, 'oauth', family.refreshToken);
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: REVOKED });
    expect((await introspect(ctx.t.app, c, family.accessToken)).json()).toEqual({
      active: false,
    });
    expect(ctx.events.named('token.revoked')).toContainEqual(
      expect.objectContaining({ tokenType: 'client', clientId: 'lifecycle-disabled' }),
    );
  });

  it('a demoted admin is refused on /admin/clients within 1 s, with the token it already had', async () => {
    const admin = await createClient(ctx.t.app, {
      clientId: 'lifecycle-demoted',
      scopes: ['read', 'admin'],
      role: 'admin',
    });
    const token = await accessTokenFor(ctx.t.app, admin.clientId, admin.secret);
    expect((await ctx.call('GET', '/admin/clients', undefined, token)).statusCode).toBe(200);

    const demoted = await ctx.call('PATCH', '/admin/clients/lifecycle-demoted', {
      role: 'user',
    });
    expect(demoted.statusCode).toBe(200);
    const start = Date.now();
    let status = 0;
    while (Date.now() - start <= 1000) {
      status = (await ctx.call('GET', '/admin/clients', undefined, token)).statusCode;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    // A token minted after the demotion carries the new role.
    const after = await accessTokenFor(ctx.t.app, admin.clientId, admin.secret);
    expect((await ctx.call('GET', '/admin/clients', undefined, after)).statusCode).toBe(403);
  });

  it('an update that leaves role, scopes and audiences alone keeps the live tokens', async () => {
    const c = await register('lifecycle-renamed');
    const family = await openFamily(ctx.t.app, c, 'oauth');
    await ctx.call('PATCH', '/admin/clients/lifecycle-renamed', {
      name: 'renamed',
      scopes: ['write', 'read'],
    });
    expect((await refresh(ctx.t.app, c, 'oauth', family.refreshToken)).statusCode).toBe(200);
  });
});
