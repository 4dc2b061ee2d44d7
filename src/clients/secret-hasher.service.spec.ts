import type { AppConfig } from '../config/app-config.service';
import { generateClientId, generateSecretValue, isValidClientId } from './client-credentials';
import { SecretHasher } from './secret-hasher.service';

const hasherWith = (pepper: string): SecretHasher =>
  new SecretHasher({ clientSecretPepper: pepper } as AppConfig);

describe('SecretHasher', () => {
  const hasher = hasherWith('pepper-one-0123456789');

  it('stores hmac-sha256$<64 hex> and never the secret itself', () => {
    const stored = hasher.hash('s3cret-value');
    expect(stored).toMatch(/^hmac-sha256\$[0-9a-f]{64}$/);
    expect(stored).not.toContain('s3cret-value');
  });

  it('matches the right secret and rejects a wrong one', () => {
    const stored = hasher.hash('right');
    expect(hasher.matches(hasher.digest('right'), stored)).toBe(true);
    expect(hasher.matches(hasher.digest('wrong'), stored)).toBe(false);
  });

  it('depends on the pepper: a hash made with another pepper does not match', () => {
    const stored = hasherWith('pepper-two-0123456789').hash('right');
    expect(hasher.matches(hasher.digest('right'), stored)).toBe(false);
  });

  it.each(['', 'right', 'sha256$00', 'hmac-sha256$zz', `hmac-sha256$${'a'.repeat(63)}`])(
    'never matches a damaged stored value %p',
    (stored) => {
      expect(hasher.matches(hasher.digest('right'), stored)).toBe(false);
    },
  );

  it('compares legacy plaintext secrets of any length', () => {
    expect(hasher.matchesPlaintext(hasher.digest('test_secret'), 'test_secret')).toBe(true);
    expect(hasher.matchesPlaintext(hasher.digest('test_secret'), 'test_secret_longer')).toBe(false);
  });
});

describe('generated credentials', () => {
  it('secrets are 32 random bytes, base64url (43 chars), never repeated', () => {
    const a = generateSecretValue();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateSecretValue()).not.toBe(a);
  });

  it('client ids are cl_ + 16 random bytes and pass the id pattern', () => {
    const id = generateClientId();
    expect(id).toMatch(/^cl_[A-Za-z0-9_-]{22}$/);
    expect(isValidClientId(id)).toBe(true);
  });

  it.each([['a b'], ['x'.repeat(129)], [''], ['$ne'], [{ $ne: null }], [null]])(
    'rejects client id %p',
    (value) => {
      expect(isValidClientId(value)).toBe(false);
    },
  );
});
