import { createHash } from 'node:crypto';

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url): the `cnf.jkt` a DPoP-bound token carries. Undefined
 * for a key type this server does not accept or a key missing a required member.
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value.length === 0) return undefined;
    canonical[name] = value;
  }
  // JSON.stringify keeps insertion order, which is the sorted order above; no whitespace.
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/** RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token's ASCII bytes. */
export const accessTokenHash = (token: string): string =>
  createHash('sha256').update(token, 'ascii').digest('base64url');
