import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyStoreAlg } from '../jwt/jwt-algorithms';
import type { KeyAlg } from '../schemas/signing-key.schema';

const generate = promisify(generateKeyPair);

export interface GeneratedKey {
  kid: string;
  alg: KeyStoreAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

/**
 * node:crypto key generation; the JWK export is Node's own. RS256 and PS256 share a plain RSA key
 * (an `rsa-pss` key has no JWK export); the kid's stored alg pins which of the two it signs.
 */
export async function generateSigningKey(alg: KeyStoreAlg): Promise<GeneratedKey> {
  const pair =
    alg === 'ES256'
      ? await generate('ec', { namedCurve: 'P-256' })
      : await generate('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: publicJwkOf(pair.publicKey, kid, alg),
  };
}

export function publicJwkOf(
  publicKey: KeyObject,
  kid: string,
  alg: KeyAlg,
): Record<string, unknown> {
  return { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

export const exportPrivateKey = (key: KeyObject): Buffer =>
  key.export({ format: 'der', type: 'pkcs8' });

export const importPrivateKey = (der: Buffer): KeyObject =>
  createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });

export const importPublicJwk = (jwk: Record<string, unknown>): KeyObject =>
  createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
