import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const SALT = 'oauth2-m2m/signing-keys';
const INFO = 'aes-256-gcm private-key wrapping v1';

/**
 * Wraps signing private keys at rest with AES-256-GCM. The AES key is derived (HKDF-SHA-256) from
 * KEY_ENCRYPTION_KEY, so the variable may be any long passphrase. The kid is bound as associated
 * data: a ciphertext copied onto another key's document does not decrypt. (The refresh grace
 * period keeps its replayable pairs with the same construction under its own `info`.)
 */
export class KeyEncryption {
  private readonly key: Buffer;

  /**
   * `info` separates purposes: each derives its own AES key from the one secret, so a value
   * wrapped for one purpose never decrypts as another's.
   */
  constructor(secret: string, info: string = INFO) {
    this.key = Buffer.from(hkdfSync('sha256', secret, SALT, info, 32));
  }

  encrypt(plaintext: Buffer, kid: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
    return [VERSION, ...parts].join('.');
  }

  /** Throws when the value was tampered with, belongs to another kid, or another secret wrapped it. */
  decrypt(wrapped: string, kid: string): Buffer {
    const [version, iv, tag, ciphertext] = wrapped.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error(`signing key ${kid}: unsupported private key format`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  }
}
