import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { KeyEncryption } from './key-encryption';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  importPublicJwk,
} from './key-material';

describe('KeyEncryption (AES-256-GCM, HKDF-derived key)', () => {
  const wrap = new KeyEncryption('a long passphrase from the environment');
  const der = exportPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

  it('round-trips a private key, with a fresh IV each time', () => {
    const a = wrap.encrypt(der, 'kid-1');
    const b = wrap.encrypt(der, 'kid-1');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(wrap.decrypt(a, 'kid-1').equals(der)).toBe(true);
    expect(a).not.toContain(der.toString('base64url').slice(0, 20));
  });

  it('refuses another secret, another kid, or a tampered ciphertext', () => {
    const wrapped = wrap.encrypt(der, 'kid-1');
    expect(() => new KeyEncryption('some other passphrase!!').decrypt(wrapped, 'kid-1')).toThrow();
    expect(() => wrap.decrypt(wrapped, 'kid-2')).toThrow();
    const parts = wrapped.split('.');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[0] ^= 1;
    parts[3] = ct.toString('base64url');
    expect(() => wrap.decrypt(parts.join('.'), 'kid-1')).toThrow();
    expect(() => wrap.decrypt('v0.a.b.c', 'kid-1')).toThrow('unsupported private key format');
  });

  it.each(['ES256', 'RS256', 'PS256'] as const)(
    '%s keys survive export → encrypt → decrypt → import and match their public JWK',
    async (alg) => {
      const key = await generateSigningKey(alg);
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
      expect(key.publicJwk).not.toHaveProperty('d');
      const restored = importPrivateKey(
        wrap.decrypt(wrap.encrypt(exportPrivateKey(key.privateKey), key.kid), key.kid),
      );
      const signature = sign('sha256', Buffer.from('x'), restored);
      expect(verify('sha256', Buffer.from('x'), importPublicJwk(key.publicJwk), signature)).toBe(
        true,
      );
    },
  );
});
