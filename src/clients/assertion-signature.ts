import type { JwtService, JwtVerifyOptions } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';

/** A compact JWT's header and payload, unverified; null when it is not a JWT. */
export type DecodedAssertion = { header: Record<string, unknown>; payload: unknown } | null;

export function decodeAssertion(jwt: JwtService, assertion: string): DecodedAssertion {
  try {
    return jwt.decode<DecodedAssertion>(assertion, { complete: true });
  } catch {
    return null;
  }
}

/**
 * Verifies an assertion against the keys that fit its kid and alg. Without a kid several keys may
 * fit, so the signature decides (as JWKS clients do): only a bad signature moves on to the next
 * key; any other failure (expiry, audience, issuer) is the assertion's and ends the search.
 */
export function verifyWithCandidates(
  jwt: JwtService,
  assertion: string,
  candidates: readonly { key: KeyObject }[],
  options: Omit<JwtVerifyOptions, 'publicKey' | 'secret'>,
): { payload: Record<string, unknown> } | { failure: unknown } {
  let failure: unknown;
  for (const candidate of candidates) {
    try {
      const payload = jwt.verify<Record<string, unknown>>(assertion, {
        ...options,
        // @nestjs/jwt types publicKey as string | Buffer; jsonwebtoken takes the KeyObject as is.
        publicKey: candidate.key as unknown as Buffer,
      });
      return { payload };
    } catch (err) {
      failure = err;
      if (!(err instanceof Error && err.message === 'invalid signature')) break;
    }
  }
  return { failure };
}
