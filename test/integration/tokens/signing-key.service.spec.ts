import {
  startTokensDb,
  tokenServices,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import {
  CLOCK_LEEWAY_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from '../../../src/tokens/tokens.constants';

describe('SigningKeyService (shared key store, publish-then-activate rotation)', () => {
  let db: TokensDb;
  let a: TokenServices;

  const kids = (s: TokenServices) => s.keys.jwks().keys.map((k) => k.kid as string);
  const statusOf = async (s: TokenServices) =>
    Object.fromEntries((await s.keys.list()).map((k) => [k.kid, k.status]));
  const kidOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
  const mint = async (s: TokenServices) =>
    (await s.accessTokens.issue({ clientId: 'c', scopes: ['read'], role: 'user', audience: [] }))
      .token;

  beforeAll(async () => {
    db = await startTokensDb('signing_keys_spec');
  });
  afterAll(async () => {
    await db.stop();
  });
  beforeEach(async () => {
    await db.models.keys.deleteMany({});
    a = tokenServices(db);
  });
  afterEach(() => a.shutdown());

  it('creates one active and one next key on first start, even with instances racing', async () => {
    const b = tokenServices(db, { clock: a.clock });
    await Promise.all([a.init(), b.init()]);
    b.shutdown();
    const docs = await db.models.keys.find({}).lean();
    expect(docs.map((d) => d.status).sort()).toEqual(['active', 'next']);
    expect(docs.every((d) => d.alg === 'ES256' && d.private_key.startsWith('v1.'))).toBe(true);
    expect(JSON.stringify(a.keys.jwks())).not.toMatch(/"d":|private/);
    expect(
      a.events.named('signing_key.created').length + b.events.named('signing_key.created').length,
    ).toBe(2);
  });

  it('publishes the next key before it signs, keeps the retired key until its tokens expired, then removes it', async () => {
    await a.init();
    const first = await statusOf(a);
    const activeKid = Object.keys(first).find((k) => first[k] === 'active') as string;
    const nextKid = Object.keys(first).find((k) => first[k] === 'next') as string;
    expect(kids(a)).toEqual(expect.arrayContaining([activeKid, nextKid]));
    const before = await mint(a);
    expect(kidOf(before)).toBe(activeKid);

    a.clock.advance(60_000);
    await a.keys.rotate();
    const after = await mint(a);
    expect(kidOf(after)).toBe(nextKid);
    const rotated = await statusOf(a);
    expect(rotated[activeKid]).toBe('retired');
    expect(rotated[nextKid]).toBe('active');
    const newNext = Object.keys(rotated).find((k) => rotated[k] === 'next') as string;
    expect(kids(a)).toEqual(expect.arrayContaining([activeKid, nextKid, newNext]));
    expect(a.events.named('signing_key.retired')).toEqual([
      expect.objectContaining({ kid: activeKid }),
    ]);
    expect(a.events.named('signing_key.activated')).toEqual(
      expect.arrayContaining([expect.objectContaining({ kid: nextKid, reason: 'rotation' })]),
    );
    await expect(a.accessTokens.verify(before)).resolves.toMatchObject({ client_id: 'c' });

    const retention = (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000;
    a.clock.advance(retention - 1000);
    await a.keys.refresh();
    expect(kids(a)).toContain(activeKid);

    a.clock.advance(1000);
    await a.keys.refresh();
    expect(kids(a)).not.toContain(activeKid);
    expect(await db.models.keys.countDocuments({ kid: activeKid })).toBe(0);
    await expect(a.accessTokens.verify(before)).rejects.toThrow('token signing key is unknown');
  });

  it('another instance learns a rotation on its first unknown kid', async () => {
    await a.init();
    const b = tokenServices(db, { clock: a.clock });
    await b.init();
    a.clock.advance(5000);
    await a.keys.rotate();
    const token = await mint(a);
    await expect(b.accessTokens.verify(token)).resolves.toMatchObject({ client_id: 'c' });
    b.shutdown();
  });

  it.each(['RS256', 'EdDSA'] as const)('signs and verifies with %s when selected', async (alg) => {
    await db.models.keys.deleteMany({});
    const s = tokenServices(db, { config: { signingAlg: alg } });
    await s.init();
    const token = await mint(s);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg,
      typ: 'at+jwt',
    });
    await expect(s.accessTokens.verify(token)).resolves.toMatchObject({ sub: 'c' });
    s.shutdown();
  });
});
