import { createClient, insertLegacyClient } from '../support/factories/client.factory';
import { useAdminApp } from '../support/admin-app';
import { requestLegacyLogin } from '../support/http-app';

/**
 * Client secrets through the admin API, each step proven on the token endpoints themselves (the
 * standard one and the FastAPI service's form login): rotation with overlap, an extra secret expired early,
 * and a legacy client's plaintext secret rotated away.
 */
describe('/admin/clients/:id/secrets', () => {
  const ctx = useAdminApp();
  const { call, tokenStatus } = ctx;
  const legacyLoginStatus = async (clientId: string, secret: string): Promise<number> =>
    (await requestLegacyLogin(ctx.t.app, clientId, secret)).statusCode;

  it('rotation with overlap: old and new secret both work until the old one expires, then only the new one', async () => {
    const svc = await createClient(ctx.t.app);
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
      expect(await legacyLoginStatus(svc.clientId, s)).toBe(200);
    }

    // Past the overlap (the cache TTL is shorter, so no stale entry either).
    jest.spyOn(Date, 'now').mockReturnValue(expiresAt + 1_000);
    expect(await tokenStatus(svc.clientId, svc.secret)).toBe(401);
    expect(await legacyLoginStatus(svc.clientId, svc.secret)).toBe(401);
    expect(await tokenStatus(svc.clientId, secret.client_secret)).toBe(200);
    expect(await legacyLoginStatus(svc.clientId, secret.client_secret)).toBe(200);
    expect(ctx.events.named('client.authentication_failed')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: svc.clientId, reason: 'client_secret expired' }),
      ]),
    );
    expect(ctx.events.named('client.secret_added')).toEqual([
      expect.objectContaining({ clientId: svc.clientId, secretId: secret.id }),
    ]);
  });

  it('add a secret (with expires_in), then expire it now', async () => {
    const svc = await createClient(ctx.t.app);
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
    expect(ctx.events.named('client.secret_expired')).toEqual([
      expect.objectContaining({ clientId: svc.clientId, secretId: extra.id }),
    ]);
    expect(
      (await call('DELETE', `/admin/clients/${svc.clientId}/secrets/sec_unknown`)).statusCode,
    ).toBe(404);
  });

  it('a legacy client (plaintext secret) shows up, works, and can be rotated', async () => {
    const legacy = await insertLegacyClient(ctx.t.app);
    expect((await call('GET', `/admin/clients/${legacy.clientId}`)).json()).toMatchObject({
      legacy_plaintext_secret: true,
      secrets: [],
      role: 'user',
    });
    const rotated = await call('POST', `/admin/clients/${legacy.clientId}/secrets/rotate`, {});
    expect(rotated.statusCode).toBe(201);
    const stored = await ctx.t.db.collection('clients').findOne({ client_id: legacy.clientId });
    expect(stored).not.toHaveProperty('client_secret');
    expect(JSON.stringify(stored)).not.toContain(legacy.secret);
    expect(await legacyLoginStatus(legacy.clientId, legacy.secret)).toBe(200); // within the 24 h default overlap
  });
});
