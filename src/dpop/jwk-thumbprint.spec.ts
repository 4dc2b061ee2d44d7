import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { accessTokenHash, jwkThumbprint } from './jwk-thumbprint';

describe('jwkThumbprint (RFC 7638)', () => {
  it.each(['ES256', 'RS256'] as const)(
    'matches jose for %s keys, extra members ignored',
    async (alg) => {
      const { publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const expected = await calculateJwkThumbprint(jwk);
      expect(jwkThumbprint({ ...jwk, alg, use: 'sig', kid: 'k1' })).toBe(expected);
    },
  );

  it('is undefined for other key types and incomplete keys', () => {
    expect(jwkThumbprint({ kty: 'oct', k: 'AAAA' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'RSA', n: 1, e: 'AQAB' })).toBeUndefined();
  });

  it('hashes access tokens as RFC 9449 §4.2 ath', () => {
    // SHA-256 of "abc", base64url.
    expect(accessTokenHash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
