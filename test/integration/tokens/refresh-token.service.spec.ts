import { createHash } from 'node:crypto';
import {
  startTokensDb,
  startTwoInstances,
  stopInstances,
  tokenServices,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import { InvalidGrantError } from '../../../src/common/errors/oauth-errors';
import type { RefreshTokenRequest } from '../../../src/tokens/tokens.types';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

describe('RefreshTokenService (against the embedded database)', () => {
  let db: TokensDb;
  let s: TokenServices;

  const request = async (
    overrides: Partial<RefreshTokenRequest> = {},
  ): Promise<RefreshTokenRequest> => {
    const access = await s.accessTokens.issue({
      clientId: 'c1',
      scopes: ['read'],
      role: 'user',
      audience: [],
    });
    return {
      clientId: 'c1',
      scopes: ['read'],
      role: 'user',
      audience: [],
      accessJti: access.jti,
      accessExp: access.exp,
      ...overrides,
    };
  };
  const failure = async (p: Promise<unknown>) => {
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGrantError);
    return (err as InvalidGrantError).description;
  };

  beforeAll(async () => {
    db = await startTokensDb('refresh_tokens_spec');
    s = tokenServices(db);
    await s.init();
  });
  afterAll(async () => {
    s.shutdown();
    await db.stop();
  });
  beforeEach(() => {
    s.events.emitted.length = 0;
  });

  it('stores only the hash, with family, expiry and the access token it came with', async () => {
    const req = await request();
    const token = await s.refreshTokens.issue(req);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(await db.models.refresh.countDocuments({ refresh_token: token })).toBe(0);
    expect(await db.models.refresh.findOne({ refresh_token: sha256(token) }).lean()).toMatchObject({
      client_id: 'c1',
      family_id: expect.any(String),
      access_jti: req.accessJti,
      used_at: null,
      expires_at: new Date(s.clock.now() + 30 * 86_400_000),
    });
  });

  it('20 concurrent consumes of one token: exactly one wins, the others are reuse', async () => {
    const token = await s.refreshTokens.issue(await request());
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => s.refreshTokens.consume(token, { clientId: 'c1' }, {})),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(19);
    expect(rejected.every((r) => r.reason instanceof InvalidGrantError)).toBe(true);
    expect(await db.models.used.countDocuments({ refresh_token: sha256(token) })).toBe(1);
  });

  it('rotation continues the family; reuse of a consumed token revokes the family and its access tokens', async () => {
    const first = await request();
    const t1 = await s.refreshTokens.issue(first);
    const grant = await s.refreshTokens.consume(t1, { clientId: 'c1' }, { ip: '10.0.0.1' });
    expect(grant).toMatchObject({ clientId: 'c1', scopes: ['read'], role: 'user' });
    const second = await request({
      rotation: { familyId: grant.familyId, parentIssuedAtMs: grant.issuedAtMs },
    });
    const t2 = await s.refreshTokens.issue(second);

    expect(await failure(s.refreshTokens.consume(t1, { clientId: 'c1' }, { ip: '10.0.0.1' }))).toBe(
      'refresh token has already been used',
    );
    expect(s.events.named('refresh_token.reused')).toEqual([
      expect.objectContaining({ clientId: 'c1', familyId: grant.familyId, ip: '10.0.0.1' }),
    ]);
    expect(s.revocation.isRevoked(first.accessJti)).toBe(true);
    expect(s.revocation.isRevoked(second.accessJti)).toBe(true);
    expect(await failure(s.refreshTokens.consume(t2, { clientId: 'c1' }, {}))).toBe(
      'refresh token has been revoked',
    );
  });

  it('unknown, expired, foreign and malformed tokens: invalid_grant + refresh_token.invalid, nothing consumed', async () => {
    expect(await failure(s.refreshTokens.consume('nope', {}, {}))).toBe('unknown refresh token');
    expect(await failure(s.refreshTokens.consume({ $ne: null } as never, {}, {}))).toBe(
      'malformed refresh token',
    );
    const mine = await s.refreshTokens.issue(await request());
    expect(await failure(s.refreshTokens.consume(mine, { clientId: 'someone-else' }, {}))).toBe(
      'refresh token was issued to another client',
    );
    await expect(s.refreshTokens.consume(mine, { clientId: 'c1' }, {})).resolves.toMatchObject({
      clientId: 'c1',
    });
    const old = await s.refreshTokens.issue(await request());
    s.clock.advance(31 * 86_400_000);
    try {
      expect(await failure(s.refreshTokens.consume(old, {}, {}))).toBe('refresh token has expired');
    } finally {
      s.clock.advance(-31 * 86_400_000);
    }
    expect(s.events.named('refresh_token.invalid').map((e) => e.reason)).toEqual([
      'unknown refresh token',
      'malformed refresh token',
      'refresh token was issued to another client',
      'refresh token has expired',
    ]);
  });

  it('accepts a FastAPI-era plaintext token once, then stores its hash; a second use is reuse', async () => {
    await db.models.refresh.collection.insertOne({
      client_id: 'test_client',
      refresh_token: 'legacy-plain',
      created_at: new Date(s.clock.now()),
    });
    await s.refreshTokens.onModuleInit();
    const grant = await s.refreshTokens.consume('legacy-plain', {}, {});
    expect(grant).toMatchObject({
      clientId: 'test_client',
      scopes: [],
      familyId: expect.any(String),
    });
    expect(await db.models.refresh.countDocuments({ refresh_token: 'legacy-plain' })).toBe(0);
    expect(await failure(s.refreshTokens.consume('legacy-plain', {}, {}))).toBe(
      'refresh token has already been used',
    );
  });

  it('introspection: active while unused, inactive once used; foreign callers see active:false', async () => {
    const token = await s.refreshTokens.issue(await request());
    expect(await s.introspection.introspect(token, 'refresh_token', 'c1')).toMatchObject({
      active: true,
      client_id: 'c1',
      token_type: 'refresh_token',
      scope: 'read',
    });
    expect(await s.introspection.introspect(token, undefined, 'other')).toEqual({ active: false });
    expect(
      await s.introspection.introspect(token, undefined, 'rs', { scopes: ['introspect'] }),
    ).toMatchObject({ active: true });
    await s.refreshTokens.consume(token, {}, {});
    expect(await s.introspection.introspect(token, undefined, 'c1')).toEqual({ active: false });
  });
});

describe('RevocationService across instances', () => {
  let db: TokensDb;
  let a: TokenServices;
  let b: TokenServices;

  beforeAll(async () => {
    ({ db, a, b } = await startTwoInstances('revocation_spec'));
  });
  afterAll(() => stopInstances(db, a, b));

  it('a revocation through one instance is enforced by another after its next poll', async () => {
    const issued = await a.accessTokens.issue({
      clientId: 'c9',
      scopes: [],
      role: 'user',
      audience: [],
    });
    await expect(b.accessTokens.verify(issued.token)).resolves.toMatchObject({ jti: issued.jti });
    await a.revocation.revokeAccessToken({ jti: issued.jti, exp: issued.exp, client_id: 'c9' });
    expect(a.revocation.isRevoked(issued.jti)).toBe(true);
    await b.revocation.poll();
    await expect(b.accessTokens.verify(issued.token)).rejects.toThrow('token has been revoked');
  });

  it('revokeAllForClient: earlier tokens of that client only, seen by the other instance', async () => {
    const old = await a.accessTokens.issue({
      clientId: 'c10',
      scopes: [],
      role: 'user',
      audience: [],
    });
    const other = await a.accessTokens.issue({
      clientId: 'c11',
      scopes: [],
      role: 'user',
      audience: [],
    });
    a.clock.advance(5);
    await a.revocation.revokeAllForClient('c10');
    a.clock.advance(5);
    const fresh = await a.accessTokens.issue({
      clientId: 'c10',
      scopes: [],
      role: 'user',
      audience: [],
    });
    await b.revocation.poll();
    await expect(b.accessTokens.verify(old.token)).rejects.toThrow('token has been revoked');
    await expect(b.accessTokens.verify(other.token)).resolves.toBeDefined();
    await expect(b.accessTokens.verify(fresh.token)).resolves.toBeDefined();
  });
});
