import { InvalidClientError } from '../../../src/common/errors/oauth-errors';
import { createClientsHarness } from '../../support/clients-harness';
import { GENERIC_FAILURE } from '../../../src/clients/client-auth.service';
import type { RequestMeta } from '../../../src/clients/clients.types';

const meta: RequestMeta = { ip: '203.0.113.7', requestId: 'req-1', endpoint: '/oauth/token' };

describe('ClientAuthService with client secrets', () => {
  let h: ReturnType<typeof createClientsHarness>;

  beforeEach(() => {
    h = createClientsHarness();
  });
  afterEach(() => jest.restoreAllMocks());

  const basic = (clientId: string, clientSecret: unknown) =>
    h.auth.authenticate(
      { method: 'client_secret_basic', clientId, clientSecret: clientSecret as string },
      meta,
    );
  const post = (clientId: string, clientSecret: string) =>
    h.auth.authenticate({ method: 'client_secret_post', clientId, clientSecret }, meta);

  async function expectFailure(
    attempt: Promise<unknown>,
    reason: string,
    clientId?: string,
  ): Promise<void> {
    const err: unknown = await attempt.then(
      () => 'no error',
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidClientError);
    expect((err as InvalidClientError).description).toBe(GENERIC_FAILURE);
    const failures = h.events.named('client.authentication_failed');
    expect(failures.at(-1)).toEqual({
      ...(clientId && { clientId }),
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      endpoint: meta.endpoint,
      code: 'invalid_client',
      reason,
    });
  }

  it('accepts a generated secret with Basic and with post, and emits client.authenticated', async () => {
    const { client, secret } = await h.clients.create({
      clientId: 'svc',
      scopes: ['read'],
      role: 'user',
    });
    await expect(basic('svc', secret?.value)).resolves.toMatchObject({
      clientId: 'svc',
      scopes: ['read'],
    });
    await expect(post('svc', secret?.value ?? '')).resolves.toEqual(
      expect.objectContaining({ clientId: client.clientId, role: 'user' }),
    );
    expect(h.events.named('client.authenticated')).toEqual([
      {
        clientId: 'svc',
        ip: meta.ip,
        requestId: meta.requestId,
        request: meta,
        reason: 'authenticated with client_secret_basic',
        method: 'client_secret_basic',
      },
      {
        clientId: 'svc',
        ip: meta.ip,
        requestId: meta.requestId,
        request: meta,
        reason: 'authenticated with client_secret_post',
        method: 'client_secret_post',
      },
    ]);
  });

  it('rejects a wrong secret generically; the event has the precise reason and no secret', async () => {
    await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    await expectFailure(basic('svc', 'not-the-secret'), 'client_secret does not match', 'svc');
    expect(JSON.stringify(h.events.emitted)).not.toContain('not-the-secret');
  });

  it('keeps the precise reason as the private detail, never in the public description', async () => {
    const viaBasic = (await basic('nobody', 'x').catch((e: unknown) => e)) as InvalidClientError;
    expect(viaBasic).toBeInstanceOf(InvalidClientError);
    expect(viaBasic.description).toBe('client authentication failed');
    expect(viaBasic.detail).toBe('unknown client');
    // The Basic challenge is the exception filter's, which sees the request.
    expect(viaBasic.headers).toEqual({});
  });

  it('rejects unknown, malformed and disabled clients and operator objects as secrets', async () => {
    const { secret } = await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    await expectFailure(basic('ghost', 'x'), 'unknown client', 'ghost');
    await expectFailure(basic('bad id!', 'x'), 'client_id missing or malformed');
    await expectFailure(basic('svc', { $ne: null }), 'client_secret missing or too long', 'svc');
    await expectFailure(basic('svc', 'x'.repeat(513)), 'client_secret missing or too long', 'svc');
    await h.clients.disable('svc');
    await expectFailure(basic('svc', secret?.value), 'client is disabled', 'svc');
    await h.clients.enable('svc');
    await expect(basic('svc', secret?.value)).resolves.toMatchObject({ clientId: 'svc' });
  });

  it('rotation with overlap: old and new secret both work until the old one expires, then only the new one', async () => {
    const { secret: old } = await h.clients.create({
      clientId: 'svc',
      scopes: ['read'],
      role: 'user',
    });
    const rotated = await h.secrets.rotate('svc', { overlapSeconds: 3600 });
    expect(rotated.expiring).toEqual([expect.objectContaining({ id: old?.id, active: true })]);
    await expect(basic('svc', old?.value)).resolves.toMatchObject({ clientId: 'svc' });
    await expect(basic('svc', rotated.secret.value)).resolves.toMatchObject({ clientId: 'svc' });

    const later = Date.now() + 3601_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await expectFailure(basic('svc', old?.value), 'client_secret expired', 'svc');
    await expect(basic('svc', rotated.secret.value)).resolves.toMatchObject({ clientId: 'svc' });
    expect(h.events.named('client.secret_expired')).toEqual([
      expect.objectContaining({ clientId: 'svc', secretId: old?.id }),
    ]);
  });

  it('an expired-now secret stops working at once on this instance (cache invalidated)', async () => {
    const { secret } = await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    const extra = await h.secrets.add('svc', {});
    await basic('svc', secret?.value); // warms the cache
    await h.secrets.expire('svc', secret?.id ?? '');
    await expectFailure(basic('svc', secret?.value), 'client_secret expired', 'svc');
    await expect(basic('svc', extra.value)).resolves.toMatchObject({ clientId: 'svc' });
  });

  it('a secret added with an expiry stops working after it', async () => {
    await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    const temp = await h.secrets.add('svc', { expiresInSeconds: 60 });
    await expect(basic('svc', temp.value)).resolves.toMatchObject({ clientId: 'svc' });
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    await expectFailure(basic('svc', temp.value), 'client_secret expired', 'svc');
  });

  it('writes last_used_at at most once a minute per secret, off the hot path', async () => {
    const { secret } = await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    await basic('svc', secret?.value);
    await basic('svc', secret?.value);
    await basic('svc', secret?.value);
    expect(h.repository.touches).toHaveLength(1);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    await basic('svc', secret?.value);
    expect(h.repository.touches).toHaveLength(2);
    expect(h.repository.touches.map((t) => t.secretId)).toEqual([secret?.id, secret?.id]);
  });

  it('a failing last_used_at write does not fail authentication', async () => {
    const { secret } = await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    jest.spyOn(h.repository, 'touchSecret').mockRejectedValue(new Error('db down'));
    await expect(basic('svc', secret?.value)).resolves.toMatchObject({ clientId: 'svc' });
  });

  it('refuses a secret for a client registered for private_key_jwt', async () => {
    h.repository.legacy({
      client_id: 'jwt-only',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [] },
      secrets: [{ id: 'sec_a', hash: h.hasher.hash('s'), created_at: new Date() }],
      scopes: [],
      role: 'user',
    });
    await expectFailure(
      basic('jwt-only', 's'),
      'client_secret_basic not allowed: client is registered for private_key_jwt',
      'jwt-only',
    );
  });
});

describe('ClientAuthService with a legacy (plaintext) client', () => {
  let h: ReturnType<typeof createClientsHarness>;
  const legacyDoc = {
    client_id: 'test_client',
    client_secret: 'test_secret',
    scopes: ['read', 'write'],
    role: 'user',
  };

  beforeEach(() => {
    h = createClientsHarness();
    h.repository.legacy({ ...legacyDoc });
  });

  const login = (secret: string) =>
    h.auth.authenticate(
      { method: 'client_secret_post', clientId: 'test_client', clientSecret: secret },
      meta,
    );

  it('works unchanged with legacy defaults', async () => {
    await expect(login('test_secret')).resolves.toEqual({
      clientId: 'test_client',
      scopes: ['read', 'write'],
      role: 'user',
      audiences: [],
      grantTypes: ['client_credentials', 'refresh_token', 'password'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      refreshTokens: false,
      refreshGraceSeconds: 0,
      dpopBoundAccessTokens: false,
      dpopNonceRequired: false,
      disabled: false,
    });
  });

  it('is accepted once, then replaced by its hash (client_secret removed) with one audit event', async () => {
    await login('test_secret');
    const stored = h.repository.docs.get('test_client');
    expect(stored?.client_secret).toBeUndefined();
    expect(stored?.secrets).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^sec_/),
        hash: h.hasher.hash('test_secret'),
      }),
    ]);
    expect(JSON.stringify(stored)).not.toContain('test_secret');
    expect(h.events.named('client.secret_migrated')).toEqual([
      {
        clientId: 'test_client',
        secretId: stored?.secrets?.[0].id,
        reason: 'legacy plaintext client_secret replaced by its hash at first use',
      },
    ]);
    // Later uses verify against the hash.
    await expect(login('test_secret')).resolves.toMatchObject({ clientId: 'test_client' });
    expect(h.events.named('client.secret_migrated')).toHaveLength(1);
  });

  it('concurrent first uses all succeed and migrate exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => login('test_secret')));
    expect(results.every((c) => c.clientId === 'test_client')).toBe(true);
    expect(h.events.named('client.secret_migrated')).toHaveLength(1);
    expect(h.repository.docs.get('test_client')?.secrets).toHaveLength(1);
  });

  it('a wrong secret neither authenticates nor migrates', async () => {
    await expect(login('guess')).rejects.toBeInstanceOf(InvalidClientError);
    expect(h.repository.docs.get('test_client')?.client_secret).toBe('test_secret');
    expect(h.events.named('client.secret_migrated')).toEqual([]);
  });

  it('rotation carries the plaintext secret over as a hashed one that expires after the overlap', async () => {
    const rotated = await h.secrets.rotate('test_client', { overlapSeconds: 60 });
    expect(h.repository.docs.get('test_client')?.client_secret).toBeUndefined();
    await expect(login('test_secret')).resolves.toMatchObject({ clientId: 'test_client' });
    await expect(login(rotated.secret.value)).resolves.toMatchObject({ clientId: 'test_client' });
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    await expect(login('test_secret')).rejects.toBeInstanceOf(InvalidClientError);
    await expect(login(rotated.secret.value)).resolves.toMatchObject({ clientId: 'test_client' });
    jest.restoreAllMocks();
  });
});
