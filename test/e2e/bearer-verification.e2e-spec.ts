import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  KeyObject,
  sign,
} from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { AccessTokenService } from '../../src/tokens/access-token.service';
import { SigningKeyService } from '../../src/tokens/signing-key.service';
import { recordEvents, startHttpTestApp, type HttpTestApp } from '../support/http-app';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Bearer tokens at GET /protected are verified by passport-jwt (jsonwebtoken underneath), with the
 * algorithm pinned to the key the token's kid names. Every forgery gets the same 401 body,
 * challenge and token.invalid event as before.
 */
describe('bearer verification (passport-jwt, pinned algorithms)', () => {
  let t: HttpTestApp;
  let accessTokens: AccessTokenService;
  let events: ReturnType<typeof recordEvents>;
  let genuine: string;
  let kid: string;
  let publicJwk: Record<string, unknown>;

  const realm = 'Bearer realm="oauth2-m2m"';
  const mint = async (): Promise<string> =>
    (await accessTokens.issue({ clientId: 'svc-a', scopes: ['read'], role: 'user', audience: [] }))
      .token;
  const get = (authorization: string) =>
    t.app.inject({ method: 'GET', url: '/protected', headers: { authorization } });
  const partsOf = (token: string) => {
    const [h, p, s] = token.split('.');
    return { h, p, s, header: JSON.parse(Buffer.from(h, 'base64url').toString()) as object };
  };
  /** passport-jwt's documented seam to its jsonwebtoken call, observed (it still runs). */
  const jwtVerifier = () =>
    jest.spyOn(Strategy as unknown as { JwtVerifier: (...args: unknown[]) => void }, 'JwtVerifier');

  const expectRefused = async (token: string, description: string): Promise<void> => {
    events.all.length = 0;
    const res = await get(`Bearer ${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_token', error_description: description });
    expect(res.headers['www-authenticate']).toBe(
      `${realm}, error="invalid_token", error_description="${description}"`,
    );
    expect(events.named('token.invalid')).toEqual([
      expect.objectContaining({ code: 'invalid_token', reason: description }),
    ]);
  };

  beforeAll(async () => {
    t = await startHttpTestApp();
    accessTokens = t.app.get(AccessTokenService);
    events = recordEvents(t.events);
    genuine = await mint();
    kid = (partsOf(genuine).header as { kid: string }).kid;
    publicJwk =
      t.app
        .get(SigningKeyService)
        .jwks()
        .keys.find((k) => k.kid === kid) ?? {};
  });
  afterAll(async () => {
    events?.stop();
    await t?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('a new token is verified by passport-jwt with pinned algorithms, issuer and audience; a repeated one by the cache', async () => {
    const token = await mint();
    const verifier = jwtVerifier();
    expect((await get(`Bearer ${token}`)).statusCode).toBe(200);
    expect(verifier).toHaveBeenCalledTimes(1);
    expect(verifier).toHaveBeenCalledWith(
      token,
      expect.any(KeyObject),
      expect.objectContaining({
        algorithms: ['ES256', 'RS256', 'PS256'],
        issuer: t.issuer,
        audience: t.issuer,
      }),
      expect.any(Function),
    );
    expect((await get(`Bearer ${token}`)).statusCode).toBe(200);
    expect(verifier).toHaveBeenCalledTimes(1);
  });

  it('HS256 keyed with the published public key (as PEM or as JWK JSON)', async () => {
    const { p } = partsOf(genuine);
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid });
    // What an attacker reads from the JWKS.
    const pem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
    for (const secret of [pem.export({ type: 'spki', format: 'pem' }), JSON.stringify(publicJwk)]) {
      const mac = createHmac('sha256', secret).update(`${header}.${p}`).digest('base64url');
      await expectRefused(`${header}.${p}.${mac}`, 'token algorithm is not accepted');
    }
  });

  it('alg none, with and without a signature, in any case', async () => {
    const { p, s } = partsOf(genuine);
    await expectRefused(
      `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${p}.`,
      'token is not a compact JWS',
    );
    for (const alg of ['none', 'NONE', 'None']) {
      await expectRefused(
        `${b64({ alg, typ: 'at+jwt', kid })}.${p}.${s}`,
        'token algorithm is not accepted',
      );
    }
  });

  it('an RS256 or PS256 token whose kid is the ES256 key, signed by an RSA key', async () => {
    const { p } = partsOf(genuine);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const verifier = jwtVerifier();
    for (const alg of ['RS256', 'PS256']) {
      const input = `${b64({ alg, typ: 'at+jwt', kid })}.${p}`;
      const signature = sign('sha256', Buffer.from(input), rsa).toString('base64url');
      await expectRefused(`${input}.${signature}`, 'token algorithm does not match its key');
    }
    // Refused before any signature is looked at.
    expect(verifier).not.toHaveBeenCalled();
  });

  it('an unknown kid, a forged signature, and a header alg the key cannot have', async () => {
    const { h, p } = partsOf(genuine);
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forge = (header: Record<string, unknown>) => {
      const input = `${b64(header)}.${p}`;
      const sig = sign('sha256', Buffer.from(input), { key: attacker, dsaEncoding: 'ieee-p1363' });
      return `${input}.${sig.toString('base64url')}`;
    };
    await expectRefused(
      forge({ alg: 'ES256', typ: 'at+jwt', kid: 'nope' }),
      'token signing key is unknown',
    );
    await expectRefused(forge({ alg: 'ES256', typ: 'at+jwt', kid }), 'invalid token signature');
    await expectRefused(`${h}.${p}.AAAA`, 'invalid token signature');
    await expectRefused(
      forge({ alg: 'ES512', typ: 'at+jwt', kid }),
      'token algorithm is not accepted',
    );
  });
});
