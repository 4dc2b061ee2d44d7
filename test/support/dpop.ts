import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createHash, randomUUID } from 'node:crypto';

/** A DPoP key pair as a client holds it: the private key signs, the public JWK goes into proofs. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: Record<string, unknown>;
  /** RFC 7638 thumbprint, computed by jose (independently of the server's own code). */
  jkt: string;
}

export async function dpopKey(alg: 'ES256' | 'RS256' | 'PS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = (await exportJWK(publicKey)) as Record<string, unknown>;
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

export interface ProofOptions {
  htm: string;
  htu: string;
  /** The access token whose hash goes into `ath`. */
  accessToken?: string;
  nonce?: string;
  jti?: string;
  iat?: number;
  alg?: string;
  typ?: string;
  /** A different `jwk` header than the signing key's (or one with private members). */
  jwk?: Record<string, unknown>;
  /** Extra or overriding payload claims. */
  claims?: Record<string, unknown>;
}

export const tokenHash = (token: string): string =>
  createHash('sha256').update(token, 'ascii').digest('base64url');

/** A DPoP proof JWT (RFC 9449 §4.2), built by hand so every field can be made wrong. */
export function dpopProof(key: DpopKey, o: ProofOptions): Promise<string> {
  return new SignJWT({
    jti: o.jti ?? randomUUID(),
    htm: o.htm,
    htu: o.htu,
    ...(o.accessToken !== undefined && { ath: tokenHash(o.accessToken) }),
    ...(o.nonce !== undefined && { nonce: o.nonce }),
    ...o.claims,
  })
    .setProtectedHeader({
      alg: o.alg ?? 'ES256',
      typ: o.typ ?? 'dpop+jwt',
      jwk: o.jwk ?? key.jwk,
    })
    .setIssuedAt(o.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}
