import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7-shaped jti: 48-bit millisecond timestamp + random. The embedded time gives client-wide
 * revocation cutoffs millisecond precision (iat has whole seconds: a token issued just after a
 * "revoke all" in the same second would otherwise be rejected).
 */
export function newJti(nowMs: number): string {
  const ts = nowMs.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${random.slice(15)}`;
}

const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * When the token was issued, in ms: from the jti when it is one of ours and agrees with iat,
 * else the start of the iat second (the conservative answer for a cutoff).
 */
export function issuedAtMs(jti: string, iat: number): number {
  const match = V7.exec(jti);
  if (match) {
    const ms = parseInt(match[1] + match[2], 16);
    if (ms >= iat * 1000 && ms < iat * 1000 + 1000) return ms;
  }
  return iat * 1000;
}
