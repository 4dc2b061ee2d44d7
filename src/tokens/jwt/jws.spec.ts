import { compactVerify } from 'jose';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJws, signJws, verifyJws, type JwsAlg } from './jws';

const pairs: Record<Exclude<JwsAlg, 'HS256'>, { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: generateKeyPairSync('ed25519'),
};

const input = (alg: JwsAlg): string =>
  `${Buffer.from(JSON.stringify({ alg, typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(
    JSON.stringify({ sub: 'svc', iat: 1 }),
  ).toString('base64url')}`;

describe('signJws', () => {
  it.each(Object.keys(pairs) as (keyof typeof pairs)[])(
    '%s signs off the event loop into a token that jose and verifyJws accept',
    async (alg) => {
      const { privateKey, publicKey } = pairs[alg];
      const token = await signJws(alg, input(alg), privateKey);

      const { protectedHeader } = await compactVerify(token, publicKey);
      expect(protectedHeader.alg).toBe(alg);
      expect(verifyJws(alg, decodeJws(token), publicKey)).toBe(true);
    },
  );

  it('HS256 signs with the shared secret and verifies only with it', async () => {
    const token = await signJws('HS256', input('HS256'), 'a-shared-secret-of-enough-length');

    const { protectedHeader } = await compactVerify(
      token,
      new TextEncoder().encode('a-shared-secret-of-enough-length'),
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(verifyJws('HS256', decodeJws(token), 'another-secret')).toBe(false);
  });

  it('rejects instead of crashing when the key does not fit the algorithm', async () => {
    await expect(signJws('ES256', input('ES256'), pairs.EdDSA.privateKey)).rejects.toThrow();
  });
});
