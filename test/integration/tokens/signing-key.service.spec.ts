import {
  startTokensDb,
  tokenServices,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { KeyEncryption } from '../../../src/tokens/keys/key-encryption';
import { exportPrivateKey, publicJwkOf } from '../../../src/tokens/keys/key-material';
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

  it.each(['RS256', 'PS256'] as const)('signs and verifies with %s when selected', async (alg) => {
    await db.models.keys.deleteMany({});
    const s = tokenServices(db, { config: { signingAlg: alg } });
    await s.init();
    const token = await mint(s);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg,
      typ: 'at+jwt',
    });
    await expect(s.accessTokens.verify(token)).resolves.toMatchObject({ sub: 'c' });
    // Both algorithms fit an RSA key: only the kid's stored alg is accepted, even when the
    // signature is genuine.
    const other = alg === 'RS256' ? 'PS256' : 'RS256';
    const [h, p] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const input = `${Buffer.from(JSON.stringify({ ...header, alg: other })).toString('base64url')}.${p}`;
    const key = (s.keys as unknown as { signing: { privateKey: KeyObject } }).signing.privateKey;
    const signature = sign(
      'sha256',
      Buffer.from(input),
      other === 'PS256' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : key,
    ).toString('base64url');
    await expect(s.accessTokens.verify(`${input}.${signature}`)).rejects.toThrow(
      'token algorithm does not match its key',
    );
    s.shutdown();
  });

  describe('a key store written when EdDSA was still supported', () => {
    const encryption = new KeyEncryption('test-key-encryption-key');
    const eddsaKey = (kid: string, generation: number, status: 'active' | 'next') => {
      const pair = generateKeyPairSync('ed25519');
      const doc = {
        kid,
        generation,
        alg: 'EdDSA' as const,
        status,
        public_jwk: publicJwkOf(pair.publicKey, kid, 'EdDSA'),
        private_key: encryption.encrypt(exportPrivateKey(pair.privateKey), kid),
        created_at: new Date(a.clock.now()),
        activated_at: status === 'active' ? new Date(a.clock.now()) : null,
      };
      return { doc, privateKey: pair.privateKey };
    };

    it('refuses to start with an EdDSA active key, telling the operator to rotate; rotation fixes it', async () => {
      const active = eddsaKey('ed-active', 1, 'active');
      await db.models.keys.create([active.doc, eddsaKey('ed-next', 2, 'next').doc]);
      // The CLI shares this service: loading must not fail, or it could not rotate.
      await a.init();
      expect(() => a.keys.assertActiveKeySupported()).toThrow(
        'the active signing key ed-active uses EdDSA, which is no longer supported: rotate it ' +
          'with "npm run cli -- keys rotate" (with SIGNING_ALG set to one of ES256, RS256, PS256); ' +
          'tokens it signed are no longer accepted',
      );
      await expect(mint(a)).rejects.toThrow('no active signing key');

      // A token the EdDSA key signed is refused by algorithm, before any key is used.
      const input = [{ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed-active' }, { sub: 'c' }]
        .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
        .join('.');
      const signature = sign(null, Buffer.from(input), active.privateKey).toString('base64url');
      await expect(a.accessTokens.verify(`${input}.${signature}`)).rejects.toThrow(
        'token algorithm is not accepted',
      );

      await a.keys.rotate();
      expect(() => a.keys.assertActiveKeySupported()).not.toThrow();
      const docs = await db.models.keys.find({}).sort({ generation: 1 }).lean();
      expect(docs.map((d) => [d.kid, d.alg, d.status])).toEqual([
        ['ed-active', 'EdDSA', 'retired'],
        [expect.any(String), 'ES256', 'active'],
        [expect.any(String), 'ES256', 'next'],
      ]);
      expect(a.events.named('signing_key.retired')).toEqual([
        {
          kid: 'ed-next',
          reason: 'EdDSA is no longer supported; removed before it signed anything',
        },
        { kid: 'ed-active', reason: `superseded by ${docs[1].kid}` },
      ]);
      const token = await mint(a);
      expect(kidOf(token)).toBe(docs[1].kid);
      await expect(a.accessTokens.verify(token)).resolves.toMatchObject({ sub: 'c' });
    });
  });
});
