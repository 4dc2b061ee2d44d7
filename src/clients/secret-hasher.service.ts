import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config.service';

const PREFIX = 'hmac-sha256$';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

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
    if (typeof storedHash !== 'string' || !storedHash.startsWith(PREFIX)) return false;
    const hex = storedHash.slice(PREFIX.length);
    if (!HEX_DIGEST.test(hex)) return false;
    return timingSafeEqual(presentedDigest, Buffer.from(hex, 'hex'));
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
