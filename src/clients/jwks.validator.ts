import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { InvalidRequestError } from '../common/errors/oauth-errors';
import type { ClientJwks } from './clients.types';

const MAX_KEYS = 10;
const ASYMMETRIC_KTYS = new Set(['EC', 'RSA', 'OKP']);
/** Members that only a private (or symmetric) key has: registering them would leak the key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * A registered key set must hold public asymmetric keys only, each one importable, so a bad
 * registration fails at the admin API instead of at the client's first token request.
 */
export function assertPublicJwks(jwks: unknown): ClientJwks {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw new InvalidRequestError(`jwks must be {"keys": [...]} with 1 to ${MAX_KEYS} keys`);
  }
  keys.forEach((key: unknown, i) => {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) {
      throw new InvalidRequestError(`jwks.keys[${i}] must be a JSON Web Key object`);
    }
    const jwk = key as Record<string, unknown>;
    if (typeof jwk.kty !== 'string' || !ASYMMETRIC_KTYS.has(jwk.kty)) {
      throw new InvalidRequestError(`jwks.keys[${i}].kty must be EC, RSA or OKP`);
    }
    const leaked = PRIVATE_MEMBERS.filter((m) => m in jwk);
    if (leaked.length > 0) {
      throw new InvalidRequestError(
        `jwks.keys[${i}] contains private key members (${leaked.join(', ')}); register public keys only`,
      );
    }
    try {
      createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new InvalidRequestError(`jwks.keys[${i}] is not a valid public key`);
    }
  });
  return { keys: keys as Record<string, unknown>[] };
}
