import { createLocalJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { createHmac } from 'node:crypto';
import { AccessTokenService } from '../../src/tokens/access-token.service';
import { RevocationService } from '../../src/tokens/revocation.service';
import { SigningKeyService } from '../../src/tokens/signing-key.service';
import { TokensClock } from '../../src/tokens/tokens.clock';
import type { AccessTokenRequest } from '../../src/tokens/tokens.types';
import { startHttpTestApp, useRecordedEvents, type HttpTestApp } from '../support/http-app';

/**
 * The resource-server side over HTTP: the FastAPI service's /protected and /admin-only behind the global
 * passport-jwt guard, the scopes and roles guards, revocation, and key rotation. Tokens are minted
 * with AccessTokenService directly, so this suite does not depend on the token endpoint.
 */
describe('protected routes (guards, revocation, key rotation)', () => {
  let t: HttpTestApp;
  let accessTokens: AccessTokenService;

  const realm = 'Bearer realm="oauth2-m2m"';
  const mint = async (overrides: Partial<AccessTokenRequest> = {}): Promise<string> =>
    (
      await accessTokens.issue({
        clientId: 'svc-a',
        scopes: ['read'],
        role: 'user',
        audience: [],
        ...overrides,
      })
    ).token;
  const get = (url: string, authorization?: string) =>
    t.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
  const invalidToken = (description: string) => ({
    error: 'invalid_token',
    error_description: description,
  });

  beforeAll(async () => {
    t = await startHttpTestApp();
    accessTokens = t.app.get(AccessTokenService);
  });
  const events = useRecordedEvents(() => t);
  afterAll(() => t?.close());

  it('GET /protected with a read token: 200 and the caller', async () => {
    const res = await get('/protected', `Bearer ${await mint()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      message: 'Access granted',
      client_id: 'svc-a',
      scopes: ['read'],
      role: 'user',
    });
  });

  it('no token: 401 with a bare Bearer challenge (RFC 6750 §3) and an access.denied event', async () => {
    const res = await get('/protected');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(realm);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual(invalidToken('missing bearer token'));
    expect(events.named('access.denied')).toEqual([
      expect.objectContaining({ code: 'missing_token', reason: 'missing bearer token' }),
    ]);
  });

  it.each([
    ['Basic dXNlcjpwYXNz', 'missing bearer token', false],
    ['Bearer not-a-jwt', 'token is not a compact JWS', true],
    ['Bearer a.b.c', 'token header is not valid JSON', true],
  ])('Authorization %p: 401 %p', async (header, description, presented) => {
    const res = await get('/protected', header);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(invalidToken(description));
    expect(res.headers['www-authenticate']).toBe(
      presented ? `${realm}, error="invalid_token", error_description="${description}"` : realm,
    );
  });

  it('expired token: 401 invalid_token and a token.invalid event with the reason', async () => {
    const clock = t.app.get(TokensClock);
    const realNow = clock.now.bind(clock);
    clock.now = () => realNow() - 3_600_000;
    let expired: string;
    try {
      expired = await mint({ ttlSeconds: 60 });
    } finally {
      clock.now = realNow;
    }
    const res = await get('/protected', `Bearer ${expired}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(invalidToken('token has expired'));
    expect(res.headers['www-authenticate']).toBe(
      `${realm}, error="invalid_token", error_description="token has expired"`,
    );
    expect(events.named('token.invalid')).toEqual([
      expect.objectContaining({ code: 'invalid_token', reason: 'token has expired' }),
    ]);
  });

  it('a token for another audience does not open this server’s routes', async () => {
    const res = await get(
      '/protected',
      `Bearer ${await mint({ audience: ['https://api.example'] })}`,
    );
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(invalidToken('token audience is not accepted here'));
  });

  it('alg none and HS256 signed with the public key are rejected', async () => {
    const good = await mint();
    const [, payload] = good.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
    expect((await get('/protected', `Bearer ${none}`)).json()).toEqual(
      invalidToken('token is not a compact JWS'),
    );
    const jwks = t.app.get(SigningKeyService).jwks();
    const header = Buffer.from(
      JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0].kid }),
    ).toString('base64url');
    const mac = createHmac('sha256', JSON.stringify(jwks.keys[0]))
      .update(`${header}.${payload}`)
      .digest('base64url');
    const res = await get('/protected', `Bearer ${header}.${payload}.${mac}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(invalidToken('token algorithm is not accepted'));
  });

  it('missing scope: 403 insufficient_scope with its challenge; wrong role: 403 access_denied', async () => {
    const readOnly = await get('/admin-only', `Bearer ${await mint()}`);
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'token lacks scope: admin',
    });
    expect(readOnly.headers['www-authenticate']).toBe(
      `${realm}, error="insufficient_scope", error_description="token lacks scope: admin", scope="admin"`,
    );

    const adminScopeUserRole = await get(
      '/admin-only',
      `Bearer ${await mint({ scopes: ['admin'] })}`,
    );
    expect(adminScopeUserRole.statusCode).toBe(403);
    expect(adminScopeUserRole.json()).toEqual({
      error: 'access_denied',
      error_description: 'client role is not allowed here (requires admin)',
    });
    expect(events.named('access.denied').map((e) => e.code)).toEqual([
      'insufficient_scope',
      'access_denied',
    ]);

    const admin = await get(
      '/admin-only',
      `Bearer ${await mint({ clientId: 'ops', scopes: ['admin'], role: 'admin' })}`,
    );
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({
      message: 'Admin access granted',
      client_id: 'ops',
      scopes: ['admin'],
      role: 'admin',
    });
  });

  it('a revoked token stops working at once, with the revocation stored by jti', async () => {
    const token = await mint();
    expect((await get('/protected', `Bearer ${token}`)).statusCode).toBe(200);
    const claims = await accessTokens.verify(token);
    await t.app.get(RevocationService).revokeAccessToken(claims, {}, 'test');
    const res = await get('/protected', `Bearer ${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(invalidToken('token has been revoked'));
    expect(await t.db.collection('revoked_tokens').findOne({ jti: claims.jti })).toMatchObject({
      client_id: 'svc-a',
      reason: 'test',
    });
  });

  it('POST /admin/clients/:id/revoke-tokens revokes every earlier token of that client only', async () => {
    const admin = `Bearer ${await mint({ clientId: 'ops', scopes: ['admin'], role: 'admin' })}`;
    const victim = await mint({ clientId: 'svc-b' });
    const bystander = await mint({ clientId: 'svc-c' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/clients/svc-b/revoke-tokens',
      headers: { authorization: admin },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ client_id: 'svc-b', refresh_tokens_revoked: 0 });
    expect((await get('/protected', `Bearer ${victim}`)).statusCode).toBe(401);
    expect((await get('/protected', `Bearer ${bystander}`)).statusCode).toBe(200);
    // Issued after the cutoff, even within the same second: valid.
    expect(
      (await get('/protected', `Bearer ${await mint({ clientId: 'svc-b' })}`)).statusCode,
    ).toBe(200);
    expect(events.named('token.revoked')).toEqual([
      expect.objectContaining({ tokenType: 'client', clientId: 'svc-b' }),
    ]);
  });

  it('admin key routes require admin; list shows no private material', async () => {
    expect((await get('/admin/keys', `Bearer ${await mint()}`)).statusCode).toBe(403);
    const admin = `Bearer ${await mint({ clientId: 'ops', scopes: ['admin'], role: 'admin' })}`;
    const res = await get('/admin/keys', admin);
    expect(res.statusCode).toBe(200);
    const { keys } = res.json<{ keys: Record<string, unknown>[] }>();
    expect(keys.map((k) => k.status).sort()).toEqual(expect.arrayContaining(['active', 'next']));
    expect(JSON.stringify(keys)).not.toMatch(/private|"d"/);
  });

  it('rotation: tokens from before and after verify against the published JWKS; a removed key’s token stops', async () => {
    const keys = t.app.get(SigningKeyService);
    const before = await mint();
    const expectedNext = (await keys.list()).find((k) => k.status === 'next')?.kid;
    // The key that will sign after the rotation is published before it signs anything.
    expect(keys.jwks().keys.map((k) => k.kid)).toContain(expectedNext);

    const admin = `Bearer ${await mint({ clientId: 'ops', scopes: ['admin'], role: 'admin' })}`;
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: { authorization: admin },
    });
    expect(rotated.statusCode).toBe(200);
    const after = await mint();
    const kidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
    expect(kidOf(after)).toBe(expectedNext);
    expect(kidOf(before)).not.toBe(expectedNext);

    const jwks = createLocalJWKSet(keys.jwks());
    const issuer = t.issuer;
    for (const token of [before, after]) {
      await expect(
        jwtVerify(token, jwks, { issuer, audience: issuer, typ: 'at+jwt' }),
      ).resolves.toBeDefined();
      expect((await get('/protected', `Bearer ${token}`)).statusCode).toBe(200);
    }

    // Past the retention of the retired key (longest token lifetime + leeway) it is gone.
    const clock = t.app.get(TokensClock);
    const realNow = clock.now.bind(clock);
    clock.now = () => realNow() + 2 * 86_400_000;
    try {
      await keys.refresh();
      expect(keys.jwks().keys.map((k) => k.kid)).not.toContain(kidOf(before));
      await expect(
        jwtVerify(before, createLocalJWKSet(keys.jwks() as never), { issuer, audience: issuer }),
      ).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
      await expect(accessTokens.verify(before)).rejects.toThrow('token signing key is unknown');
    } finally {
      clock.now = realNow;
    }
  });
});
