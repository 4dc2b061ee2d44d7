import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config.service';

const PREFIX = 'hmac-sha256$';
const HEX_DIGEST = /^[0-9a-f]{64}$/;
const MAX_DECODED_HASHES = 10_000;

/**
 * Client secrets are stored as HMAC-SHA-256 keyed with a server-side pepper. Generated secrets
 * carry 256 bits of entropy, so a slow password hash would add nothing but latency on the token
 * path; the pepper means a leaked `clients` collection alone does not allow offline guessing of
 * imported low-entropy secrets either.
 */
@Injectable()
export class SecretHasher {
  private readonly key: Buffer;
  /** A stored-form hash of a random value nobody knows: the stand-in for a missing client. */
  private readonly dummyHash: string;
  /**
   * The stored hashes of the cached clients, decoded once rather than on every authentication.
   * Bounded; hashes are not secrets (the pepper is), so keeping them is no new exposure.
   */
  private readonly decoded = new Map<string, Buffer | null>();

  constructor(config: AppConfig) {
    this.key = Buffer.from(config.clientSecretPepper, 'utf8');
    this.dummyHash = this.hash(randomBytes(32).toString('base64url'));
  }

  /** The stored form: `hmac-sha256$<hex>`. */
  hash(value: string): string {
    return PREFIX + this.digest(value).toString('hex');
  }

  /** Computed once per request, then compared against every candidate hash. */
  digest(value: string): Buffer {
    return createHmac('sha256', this.key).update(value, 'utf8').digest();
  }

  /** Constant-time comparison; an unknown or damaged stored format never matches. */
  matches(presentedDigest: Buffer, storedHash: string): boolean {
    const stored = this.storedDigest(storedHash);
    return stored !== null && timingSafeEqual(presentedDigest, stored);
  }

  private storedDigest(storedHash: string): Buffer | null {
    if (typeof storedHash !== 'string') return null;
    let digest = this.decoded.get(storedHash);
    if (digest === undefined) {
      const hex = storedHash.startsWith(PREFIX) ? storedHash.slice(PREFIX.length) : '';
      digest = HEX_DIGEST.test(hex) ? Buffer.from(hex, 'hex') : null;
      if (this.decoded.size >= MAX_DECODED_HASHES) this.decoded.clear();
      this.decoded.set(storedHash, digest);
    }
    return digest;
  }

  /**
   * The comparison a known client's secret would get, against the dummy hash (never matches in
   * practice): the refusal of an unknown client takes the same path and time as a wrong secret.
   */
  matchesDummy(presentedDigest: Buffer): boolean {
    return this.matches(presentedDigest, this.dummyHash);
  }

  /** For the FastAPI service's plaintext secrets: comparing digests keeps the comparison length-independent. */
  matchesPlaintext(presentedDigest: Buffer, storedPlaintext: string): boolean {
    return timingSafeEqual(presentedDigest, this.digest(storedPlaintext));
  }
}
