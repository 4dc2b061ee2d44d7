import { createHmac, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  startTokensDb,
  TEST_ISSUER,
  tokenServices,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import { InvalidTokenError } from '../../../src/common/errors/oauth-errors';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('AccessTokenService', () => {
  let db: TokensDb;
  let s: TokenServices;
  let good: string;
  let kid: string;
  let now: number;

  /** Signs with the real active private key, so only the part under test is wrong. */
  const forge = (header: Record<string, unknown>, payload: Record<string, unknown>): string => {
    const input = `${b64(header)}.${b64(payload)}`;
    const key = (s.keys as unknown as { signing: { privateKey: Parameters<typeof sign>[2] } })
      .signing.privateKey;
    const sig = sign('sha256', Buffer.from(input), {
      key: key as never,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${sig.toString('base64url')}`;
  };
  const hs256 = (
    secret: string | Buffer,
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
  ) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: TEST_ISSUER,
    sub: 'c1',
    aud: [TEST_ISSUER],
    client_id: 'c1',
    scope: 'read',
    scopes: ['read'],
    role: 'user',
    jti: 'j-1',
    iat: now,
    exp: now + 600,
    ...overrides,
  });
  const rejects = async (token: string, message: string, opts = {}) => {
    const err = await s.accessTokens.verify(token, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as InvalidTokenError).description).toBe(message);
  };

  beforeAll(async () => {
    db = await startTokensDb('access_tokens_spec');
    s = tokenServices(db);
    await s.init();
    now = s.clock.nowSeconds();
    const active = (await s.keys.list()).find((k) => k.status === 'active');
    kid = active?.kid as string;
    good = (
      await s.accessTokens.issue({
        clientId: 'c1',
        scopes: ['read', 'write'],
        role: 'user',
        audience: [],
      })
    ).token;
  });
  afterAll(async () => {
    s.shutdown();
    await db.stop();
  });
  beforeEach(() => {
    s.runtime.current.algorithm = 'ES256';
  });

  it('issues RFC 9068 tokens: typ at+jwt, kid, and every claim the contract lists', async () => {
    const [h, p] = good
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as object);
    expect(h).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
    expect(p).toEqual({
      iss: TEST_ISSUER,
      sub: 'c1',
      aud: [TEST_ISSUER],
      client_id: 'c1',
      scope: 'read write',
      scopes: ['read', 'write'],
      role: 'user',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: now,
      exp: now + 900,
    });
    await expect(s.accessTokens.verify(good, { audience: TEST_ISSUER })).resolves.toMatchObject({
      client_id: 'c1',
      scopes: ['read', 'write'],
    });
  });

  it('caps the lifetime and honours a per-client one', async () => {
    const short = await s.accessTokens.issue({
      clientId: 'c',
      scopes: [],
      role: 'user',
      audience: [],
      ttlSeconds: 60,
    });
    const huge = await s.accessTokens.issue({
      clientId: 'c',
      scopes: [],
      role: 'user',
      audience: [],
      ttlSeconds: 1e9,
    });
    expect(short.expiresIn).toBe(60);
    expect(huge.expiresIn).toBe(86_400);
  });

  describe('rejects every hostile token', () => {
    it('alg none', async () => {
      await rejects(
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
        'token is not a compact JWS',
      );
      await rejects(
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.AAAA`,
        'token algorithm is not accepted',
      );
    });

    it('HS256 signed with the public key (algorithm confusion), as JWK JSON or PEM', async () => {
      const jwk = JSON.stringify(s.keys.jwks().keys.find((k) => k.kid === kid));
      const pem = (await s.keys.verificationKey(kid))?.publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string;
      for (const secret of [jwk, pem]) {
        await rejects(
          hs256(secret, { alg: 'HS256', typ: 'at+jwt', kid }, claims()),
          'token algorithm is not accepted',
        );
      }
    });

    it('wrong iss, aud or typ', async () => {
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ iss: 'https://evil' })),
        'token issuer is not accepted',
      );
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ aud: ['https://other'] })),
        'token audience is not accepted here',
        { audience: TEST_ISSUER },
      );
      await rejects(forge({ alg: 'ES256', typ: 'JWT', kid }, claims()), 'token type is not at+jwt');
      await rejects(forge({ alg: 'ES256', kid }, claims()), 'token type is not at+jwt');
    });

    it('expired, not yet valid, issued in the future, or without exp', async () => {
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ exp: now - 1 })),
        'token has expired',
      );
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ nbf: now + 3600 })),
        'token is not yet valid',
      );
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ iat: now + 3600 })),
        'token was issued in the future',
      );
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid }, claims({ exp: undefined })),
        'token has no expiry',
      );
    });

    it('tampered payload or signature', async () => {
      const [h, , sig] = good.split('.');
      await rejects(
        `${h}.${b64(claims({ scopes: ['admin'], role: 'admin' }))}.${sig}`,
        'invalid token signature',
      );
      const flipped = Buffer.from(sig, 'base64url');
      flipped[10] ^= 1;
      await rejects(
        `${good.split('.').slice(0, 2).join('.')}.${flipped.toString('base64url')}`,
        'invalid token signature',
      );
    });

    it('unknown kid, a kid whose alg differs, crit headers, a foreign key', async () => {
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid: 'nope' }, claims()),
        'token signing key is unknown',
      );
      await rejects(
        forge({ alg: 'RS256', typ: 'at+jwt', kid }, claims()),
        'token algorithm does not match its key',
      );
      await rejects(
        forge({ alg: 'ES256', typ: 'at+jwt', kid, crit: ['exp'] }, claims()),
        'token uses unsupported critical header parameters',
      );
      const foreign = createPrivateKey(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          format: 'pem',
          type: 'pkcs8',
        }),
      );
      const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64(claims())}`;
      const sig = sign('sha256', Buffer.from(input), {
        key: foreign,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      await rejects(`${input}.${sig}`, 'invalid token signature');
    });

    it('garbage of every shape', async () => {
      for (const junk of [
        '',
        'a',
        'a.b',
        'a.b.c.d',
        '...',
        '%%%.%%%.%%%',
        'x'.repeat(9000),
        `${b64([1])}.${b64({})}.AA`,
      ]) {
        await expect(s.accessTokens.verify(junk)).rejects.toBeInstanceOf(InvalidTokenError);
      }
    });
  });

  it('checks revocation on every call, also when the signature check is cached', async () => {
    const issued = await s.accessTokens.issue({
      clientId: 'c2',
      scopes: ['read'],
      role: 'user',
      audience: [],
    });
    const lookup = jest.spyOn(s.keys, 'verificationKey');
    await s.accessTokens.verify(issued.token);
    await s.accessTokens.verify(issued.token);
    expect(lookup).toHaveBeenCalledTimes(1);
    lookup.mockRestore();
    await s.revocation.revokeAccessToken({ jti: issued.jti, exp: issued.exp, client_id: 'c2' });
    await rejects(issued.token, 'token has been revoked');
  });

  describe("HS256 (the FastAPI service's mode)", () => {
    const legacyToken = () =>
      hs256(
        'legacy-secret',
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'test_client', scopes: ['read', 'write'], role: 'user', exp: now + 600 },
      );

    it('issues HS256 tokens with the configured secret and accepts the FastAPI service’s own tokens', async () => {
      s.runtime.current.algorithm = 'HS256';
      const issued = await s.accessTokens.issue({
        clientId: 'c3',
        scopes: ['read'],
        role: 'user',
        audience: [],
      });
      expect(JSON.parse(Buffer.from(issued.token.split('.')[0], 'base64url').toString())).toEqual({
        alg: 'HS256',
        typ: 'at+jwt',
      });
      await expect(
        s.accessTokens.verify(issued.token, { audience: TEST_ISSUER }),
      ).resolves.toMatchObject({ client_id: 'c3' });
      await expect(
        s.accessTokens.verify(legacyToken(), { audience: TEST_ISSUER }),
      ).resolves.toMatchObject({
        sub: 'test_client',
        client_id: 'test_client',
        scopes: ['read', 'write'],
        role: 'user',
        jti: expect.stringMatching(/^legacy-/),
      });
    });

    it('still checks what the FastAPI service token carries: signature, exp, and the FastAPI service’s whole-token denylist', async () => {
      s.runtime.current.algorithm = 'HS256';
      await rejects(
        hs256('wrong-secret', { alg: 'HS256', typ: 'JWT' }, { sub: 'x', exp: now + 60 }),
        'invalid token signature',
      );
      await rejects(
        hs256('legacy-secret', { alg: 'HS256', typ: 'JWT' }, { sub: 'x', exp: now - 1 }),
        'token has expired',
      );
      await rejects(
        hs256(
          'legacy-secret',
          { alg: 'HS256', typ: 'JWT' },
          { sub: 'x', iss: 'https://evil', exp: now + 60 },
        ),
        'token issuer is not accepted',
      );
      const revoked = hs256(
        'legacy-secret',
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'old', exp: now + 60 },
      );
      await db.models.revoked.collection.insertOne({
        token: revoked,
        revoked_at: new Date(s.clock.now()),
      });
      await s.revocation.poll();
      await rejects(revoked, 'token has been revoked');
    });

    it('is refused outside HS256 mode, legacy token included', async () => {
      await rejects(legacyToken(), 'token algorithm is not accepted');
    });
  });
});
