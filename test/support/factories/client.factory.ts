import type { INestApplicationContext } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWTHeaderParameters,
} from 'jose';
import type { Connection } from 'mongoose';
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { ClientsService } from '../../../src/clients/clients.service';
import type { ClientView, CreateClientInput } from '../../../src/clients/clients.types';

export interface TestClient {
  clientId: string;
  /** The plaintext secret, as the create call showed it once. */
  secret: string;
  secretId: string;
  client: ClientView;
}

export const uniqueClientId = (prefix = 'test'): string =>
  `${prefix}-${randomBytes(6).toString('hex')}`;

/** A secret client through the real ClientsService (so hashing, defaults and events are the real ones). */
export async function createClient(
  app: INestApplicationContext,
  overrides: Partial<CreateClientInput> = {},
): Promise<TestClient> {
  const { client, secret } = await app.get(ClientsService).create({
    clientId: uniqueClientId(),
    scopes: ['read', 'write'],
    role: 'user',
    ...overrides,
  });
  if (!secret)
    throw new Error(
      'createClient: the client got no secret (private_key_jwt? use createJwtClient)',
    );
  return { clientId: client.clientId, secret: secret.value, secretId: secret.id, client };
}

/** A client that may call the /admin routes. */
export function createAdminClient(
  app: INestApplicationContext,
  overrides: Partial<CreateClientInput> = {},
): Promise<TestClient> {
  return createClient(app, { scopes: ['read', 'write', 'admin'], role: 'admin', ...overrides });
}

export interface TestJwtClient {
  clientId: string;
  client: ClientView;
  kid: string;
  privateKey: CryptoKey;
  /** A fresh RFC 7523 client assertion; override any claim (or header alg/kid) to build bad ones. */
  assertion(
    audience: string | string[],
    claims?: Record<string, unknown>,
    lifetimeSeconds?: number,
  ): Promise<string>;
}

/** A private_key_jwt client with a freshly generated ES256 key pair. */
export async function createJwtClient(
  app: INestApplicationContext,
  overrides: Partial<CreateClientInput> = {},
): Promise<TestJwtClient> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const { client } = await app.get(ClientsService).create({
    clientId: uniqueClientId('jwt'),
    scopes: ['read'],
    role: 'user',
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [jwk] },
    ...overrides,
  });
  return {
    clientId: client.clientId,
    client,
    kid,
    privateKey,
    assertion: (audience, claims = {}, lifetimeSeconds = 60) =>
      signAssertion(privateKey, kid, client.clientId, audience, claims, lifetimeSeconds),
  };
}

export function signAssertion(
  privateKey: ClientPrivateKey,
  kid: string,
  clientId: string,
  audience: string | string[],
  claims: Record<string, unknown> = {},
  lifetimeSeconds = 60,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // Claims given by the caller win, so tests can build wrong assertions (sub, exp, jti…).
  return new SignJWT({
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: randomUUID(),
    iat: now,
    exp: now + lifetimeSeconds,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(privateKey);
}

/** A client exactly as the FastAPI service's README inserts it: plaintext secret, no other field. */
export async function insertLegacyClient(
  app: INestApplicationContext,
  doc: { client_id?: string; client_secret?: string; scopes?: string[]; role?: string } = {},
): Promise<{ clientId: string; secret: string }> {
  const legacy = {
    client_id: doc.client_id ?? uniqueClientId('legacy'),
    client_secret: doc.client_secret ?? 'test_secret',
    scopes: doc.scopes ?? ['read', 'write'],
    role: doc.role ?? 'user',
  };
  await app.get<Connection>(getConnectionToken()).collection('clients').insertOne(legacy);
  return { clientId: legacy.client_id, secret: legacy.client_secret };
}

/** A client's own private key: WebCrypto (from newClientKey) or node:crypto. */
export type ClientPrivateKey = CryptoKey | KeyObject;

/** A key pair as a client would make it with its own JOSE library (jose here, not the server's). */
export async function newClientKey(
  alg: 'ES256' | 'RS256' | 'EdDSA',
): Promise<{ privateKey: CryptoKey; publicJwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)) } };
}

/** A JWT signed with jose with exactly the given header and claims (none added). */
export function signJwt(
  key: ClientPrivateKey | Uint8Array,
  header: JWTHeaderParameters,
  claims: Record<string, unknown>,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}
