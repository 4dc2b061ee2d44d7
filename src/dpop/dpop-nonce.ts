import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const SALT = 'oauth2-m2m/dpop-nonce';
const INFO = 'hmac-sha256 dpop nonce v1';
/** A nonce is issued for the current window and accepted during it and the next one. */
export const NONCE_WINDOW_SECONDS = 300;

/**
 * Stateless server nonces (RFC 9449 §8): the HMAC of a time window under a key derived from
 * KEY_ENCRYPTION_KEY, which every instance shares. Any instance accepts a nonce any other issued,
 * with no database state; a nonce is unpredictable without the key and stale after two windows.
 */
export class DpopNonces {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32));
  }

  current(nowSeconds: number): string {
    return this.forWindow(Math.floor(nowSeconds / NONCE_WINDOW_SECONDS));
  }

  isValid(nonce: unknown, nowSeconds: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const window = Math.floor(nowSeconds / NONCE_WINDOW_SECONDS);
    return [window, window - 1].some((w) => equal(nonce, this.forWindow(w)));
  }

  private forWindow(window: number): string {
    const label = window.toString(36);
    const mac = createHmac('sha256', this.key).update(label).digest('base64url').slice(0, 32);
    return `${label}.${mac}`;
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
