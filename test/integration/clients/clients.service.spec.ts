import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
} from '../../../src/common/errors/oauth-errors';
import { createClientsHarness } from '../../support/clients-harness';

describe('ClientsService', () => {
  let h: ReturnType<typeof createClientsHarness>;

  beforeEach(() => {
    h = createClientsHarness();
  });
  afterEach(() => jest.restoreAllMocks());

  it('creates a client with a generated id and a secret shown once, stored only as its hash', async () => {
    expect(await h.clients.isEmpty()).toBe(true);
    const { client, secret } = await h.clients.create(
      { scopes: ['read', 'read', 'write'], role: 'user' },
      { actor: 'cli', ip: '127.0.0.1' },
    );
    expect(client.clientId).toMatch(/^cl_[A-Za-z0-9_-]{22}$/);
    expect(client).toMatchObject({
      scopes: ['read', 'write'],
      grantTypes: ['client_credentials', 'refresh_token', 'password'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      refreshTokens: false,
      disabled: false,
      hasLegacySecret: false,
      secrets: [{ id: secret?.id, active: true, createdAt: expect.any(Date) }],
    });
    expect(secret?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(h.repository.docs.get(client.clientId));
    expect(stored).not.toContain(secret?.value);
    expect(stored).toContain(h.hasher.hash(secret?.value ?? ''));
    expect(await h.clients.isEmpty()).toBe(false);
    expect(h.events.named('client.created')).toEqual([
      {
        clientId: client.clientId,
        secretId: secret?.id,
        reason: 'client created by cli',
        ip: '127.0.0.1',
        requestId: undefined,
      },
    ]);
  });

  it('imports a given secret (CLI) and refuses a too short one', async () => {
    const { secret } = await h.clients.create({
      clientId: 'imp',
      scopes: [],
      role: 'user',
      secret: 'imported-secret',
    });
    expect(secret?.value).toBe('imported-secret');
    await expect(
      h.clients.create({ scopes: [], role: 'user', secret: 'short' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('validates a given client id and refuses a duplicate', async () => {
    await expect(
      h.clients.create({ clientId: 'bad id', scopes: [], role: 'user' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await h.clients.create({ clientId: 'dup', scopes: [], role: 'user' });
    await expect(
      h.clients.create({ clientId: 'dup', scopes: [], role: 'user' }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('private_key_jwt needs public keys and gets no secret', async () => {
    const base = {
      clientId: 'j',
      scopes: [],
      role: 'user',
      tokenEndpointAuthMethod: 'private_key_jwt' as const,
    };
    await expect(h.clients.create(base)).rejects.toThrow('requires jwks');
    await expect(
      h.clients.create({ ...base, jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }),
    ).rejects.toThrow('kty must be EC, RSA or OKP');
    const privateJwk = { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' };
    await expect(h.clients.create({ ...base, jwks: { keys: [privateJwk] } })).rejects.toThrow(
      'private key members',
    );
    await expect(
      h.clients.create({ ...base, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] } }),
    ).rejects.toThrow('not a valid public key');
  });

  it('lists with cursor pagination in client_id order', async () => {
    for (const id of ['c', 'a', 'e', 'b', 'd'])
      await h.clients.create({ clientId: id, scopes: [], role: 'user' });
    const first = await h.clients.list({ limit: 2 });
    expect(first.items.map((c) => c.clientId)).toEqual(['a', 'b']);
    const second = await h.clients.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((c) => c.clientId)).toEqual(['c', 'd']);
    const last = await h.clients.list({ limit: 2, cursor: second.nextCursor });
    expect(last.items.map((c) => c.clientId)).toEqual(['e']);
    expect(last.nextCursor).toBeUndefined();
    await expect(h.clients.list({ cursor: '!!!' })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('updates only the given fields, can reset the ttl, and emits client.updated', async () => {
    await h.clients.create({
      clientId: 'u',
      scopes: ['read'],
      role: 'user',
      accessTokenTtlSeconds: 600,
    });
    const updated = await h.clients.update('u', { scopes: ['read', 'admin'], role: 'admin' });
    expect(updated).toMatchObject({
      scopes: ['read', 'admin'],
      role: 'admin',
      accessTokenTtlSeconds: 600,
    });
    const reset = await h.clients.update('u', { accessTokenTtlSeconds: null });
    expect(reset.accessTokenTtlSeconds).toBeUndefined();
    expect(h.events.named('client.updated').map((e) => e.reason)).toEqual([
      'client updated (scopes, role)',
      'client updated (access_token_ttl_seconds)',
    ]);
    await expect(h.clients.update('missing', { role: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('findActive is cached, invalidated by writes through the service, and hides disabled clients', async () => {
    await h.clients.create({ clientId: 'f', scopes: ['read'], role: 'user' });
    const before = h.repository.reads;
    expect(await h.clients.findActive('f')).toMatchObject({ clientId: 'f' });
    expect(await h.clients.findActive('f')).toMatchObject({ clientId: 'f' });
    expect(h.repository.reads - before).toBe(1);
    await h.clients.disable('f');
    expect(await h.clients.findActive('f')).toBeNull();
    await h.clients.enable('f');
    expect(await h.clients.findActive('f')).toMatchObject({ clientId: 'f', disabled: false });
    expect(await h.clients.findActive('{"$ne":null}')).toBeNull();
  });

  it('findActive sees a change made elsewhere after the cache TTL', async () => {
    await h.clients.create({ clientId: 'x', scopes: ['read'], role: 'user' });
    await h.clients.findActive('x');
    // Another instance (or the CLI) disables it directly in the database.
    await h.repository.updateSettings('x', { disabled: true });
    expect(await h.clients.findActive('x')).not.toBeNull();
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 5_001);
    expect(await h.clients.findActive('x')).toBeNull();
  });

  it('deletes and then reports not found', async () => {
    await h.clients.create({ clientId: 'd', scopes: [], role: 'user' });
    await h.clients.delete('d', { actor: 'admin root' });
    expect(h.events.named('client.deleted')).toEqual([
      {
        clientId: 'd',
        reason: 'client deleted by admin root',
        ip: undefined,
        requestId: undefined,
      },
    ]);
    await expect(h.clients.get('d')).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.clients.delete('d')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('ClientSecretsService', () => {
  let h: ReturnType<typeof createClientsHarness>;

  beforeEach(async () => {
    h = createClientsHarness();
    await h.clients.create({ clientId: 's', scopes: [], role: 'user' });
  });

  it('rotation gives old secrets an expiry of now + overlap and keeps an earlier expiry', async () => {
    const early = await h.secrets.add('s', { expiresInSeconds: 60 });
    const t0 = Date.now();
    const { secret, expiring } = await h.secrets.rotate('s', { overlapSeconds: 3600 });
    const byId = new Map(expiring.map((e) => [e.id, e.expiresAt?.getTime() ?? 0]));
    expect(byId.get(early.id)).toBeLessThanOrEqual(t0 + 61_000);
    const other = expiring.find((e) => e.id !== early.id);
    expect(other?.expiresAt?.getTime()).toBeGreaterThanOrEqual(t0 + 3_600_000);
    const view = await h.clients.get('s');
    expect(view.secrets.find((x) => x.id === secret.id)).toEqual(
      expect.objectContaining({ active: true }),
    );
    expect(view.secrets.find((x) => x.id === secret.id)?.expiresAt).toBeUndefined();
  });

  it('rotation with overlap 0 ends the old secrets at once', async () => {
    await h.secrets.rotate('s', { overlapSeconds: 0 });
    const view = await h.clients.get('s');
    expect(view.secrets.filter((x) => x.active)).toHaveLength(1);
  });

  it('retries when the secrets changed between read and write', async () => {
    const original = h.repository.replaceSecretsIfUnchanged.bind(h.repository);
    let raced = false;
    jest.spyOn(h.repository, 'replaceSecretsIfUnchanged').mockImplementation(async (...args) => {
      if (!raced) {
        raced = true;
        // Someone else adds a secret first: this write must fail and be recomputed.
        await h.repository.replaceSecretsIfUnchanged('s', h.repository.docs.get('s')?.revision, [
          ...(h.repository.docs.get('s')?.secrets ?? []),
          { id: 'sec_concurrent', hash: h.hasher.hash('c'), created_at: new Date() },
        ]);
      }
      return original(...args);
    });
    await h.secrets.rotate('s', { overlapSeconds: 10 });
    const ids = (await h.clients.get('s')).secrets.map((x) => x.id);
    expect(ids).toContain('sec_concurrent');
    expect(ids).toHaveLength(3);
  });

  it('expire is idempotent and reports an unknown secret', async () => {
    const added = await h.secrets.add('s', {});
    await expect(h.secrets.expire('s', added.id)).resolves.toMatchObject({
      id: added.id,
      active: false,
    });
    await expect(h.secrets.expire('s', added.id)).resolves.toMatchObject({ active: false });
    expect(h.events.named('client.secret_expired')).toHaveLength(1);
    await expect(h.secrets.expire('s', 'sec_nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.secrets.expire('nope', added.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('caps the number of active secrets', async () => {
    for (let i = 0; i < 9; i++) await h.secrets.add('s', {});
    await expect(h.secrets.add('s', {})).rejects.toBeInstanceOf(ConflictError);
  });
});
