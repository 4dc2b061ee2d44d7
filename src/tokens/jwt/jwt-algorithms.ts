/**
 * The algorithms of this server's access tokens, all of which jsonwebtoken (behind @nestjs/jwt and
 * passport-jwt) implements. A key-store key has exactly one of the asymmetric ones; HS256 is the
 * FastAPI service's mode, verified with jwt_config's SECRET_KEY only.
 */
export const KEY_STORE_ALGS = ['ES256', 'RS256', 'PS256'] as const;
export type KeyStoreAlg = (typeof KEY_STORE_ALGS)[number];
export type AccessTokenAlg = KeyStoreAlg | 'HS256';

/** Older key stores may still hold EdDSA keys; jsonwebtoken cannot sign or verify with them. */
export const UNSUPPORTED_KEY_ALGS = ['EdDSA'] as const;

export const isKeyStoreAlg = (alg: unknown): alg is KeyStoreAlg =>
  typeof alg === 'string' && (KEY_STORE_ALGS as readonly string[]).includes(alg);
