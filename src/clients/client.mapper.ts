import { types } from 'node:util';
import {
  GRANT_TYPES,
  MAX_REFRESH_GRACE_SECONDS,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientJwks,
  type ClientSecretView,
  type ClientView,
  type FederatedCredential,
  type GrantType,
  type OAuthClient,
  type TokenEndpointAuthMethod,
} from './clients.types';
import type { Client, ClientSecret, FederatedCredentialDoc } from './schemas/client.schema';

/** What a legacy document (no grant_types) may do: everything the FastAPI service could, plus the standard grant. */
export const DEFAULT_GRANT_TYPES: GrantType[] = ['client_credentials', 'refresh_token', 'password'];
export const DEFAULT_AUTH_METHOD: TokenEndpointAuthMethod = 'client_secret_basic';
export const DEFAULT_ROLE = 'user';

/** Everything the module needs about one client; cached by ClientCache. Holds hashes: never leaves the module. */
export interface ClientRecord {
  client: OAuthClient;
  secrets: ClientSecret[];
  /** The FastAPI service's plaintext `client_secret`, until its first successful use migrates it. */
  legacySecret?: string;
  jwks?: ClientJwks;
  federatedCredentials: FederatedCredential[];
  revision?: number;
  createdAt?: Date;
  updatedAt?: Date;
}

/** Realm-independent (documents may come from a structured clone or another vm context). */
const isDate = (value: unknown): value is Date => types.isDate(value);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Lean documents read from the database carry their _id; documents built in memory do not. */
const hasId = (doc: Client): doc is Client & { _id: { toString(): string } } => {
  const id = (doc as { _id?: unknown })._id;
  return id !== undefined && id !== null;
};

/** Documents written by hand (the FastAPI service's README) may hold anything: read them defensively. */
export function toClientRecord(doc: Client): ClientRecord {
  const grantTypes = strings(doc.grant_types).filter((g): g is GrantType =>
    (GRANT_TYPES as readonly string[]).includes(g),
  );
  const method = TOKEN_ENDPOINT_AUTH_METHODS.find((m) => m === doc.token_endpoint_auth_method);
  const ttl = doc.access_token_ttl_seconds;
  const grace = doc.refresh_grace_seconds;
  return {
    client: {
      clientId: doc.client_id,
      ...(typeof doc.name === 'string' && { name: doc.name }),
      scopes: strings(doc.scopes),
      role: typeof doc.role === 'string' && doc.role !== '' ? doc.role : DEFAULT_ROLE,
      audiences: strings(doc.audiences),
      ...(strings(doc.token_exchange?.audiences).length > 0 && {
        tokenExchangeAudiences: strings(doc.token_exchange?.audiences),
      }),
      grantTypes: Array.isArray(doc.grant_types) ? grantTypes : [...DEFAULT_GRANT_TYPES],
      tokenEndpointAuthMethod: method ?? DEFAULT_AUTH_METHOD,
      refreshTokens: doc.refresh_tokens === true,
      dpopBoundAccessTokens: doc.dpop_bound_access_tokens === true,
      dpopNonceRequired: doc.dpop_nonce_required === true,
      ...(typeof ttl === 'number' &&
        Number.isFinite(ttl) &&
        ttl > 0 && { accessTokenTtlSeconds: ttl }),
      // Hand-written documents may hold anything: only a whole number within the limit counts.
      refreshGraceSeconds:
        typeof grace === 'number' && Number.isInteger(grace) && grace > 0
          ? Math.min(grace, MAX_REFRESH_GRACE_SECONDS)
          : 0,
      disabled: doc.disabled === true,
      ...(hasId(doc) && { registrationId: String(doc._id) }),
    },
    secrets: Array.isArray(doc.secrets) ? doc.secrets.filter((s) => typeof s?.id === 'string') : [],
    ...(typeof doc.client_secret === 'string' &&
      doc.client_secret !== '' && { legacySecret: doc.client_secret }),
    ...(doc.jwks && Array.isArray(doc.jwks.keys) && { jwks: { keys: doc.jwks.keys } }),
    federatedCredentials: toFederatedCredentials(doc.federated_credentials),
    ...(typeof doc.revision === 'number' && { revision: doc.revision }),
    ...(isDate(doc.created_at) && { createdAt: doc.created_at }),
    ...(isDate(doc.updated_at) && { updatedAt: doc.updated_at }),
  };
}

function toFederatedCredentials(value: unknown): FederatedCredential[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (c): c is FederatedCredentialDoc =>
        typeof (c as FederatedCredentialDoc)?.issuer === 'string' &&
        typeof (c as FederatedCredentialDoc)?.subject === 'string',
    )
    .map((c) => ({
      issuer: c.issuer,
      subject: c.subject,
      ...(typeof c.audience === 'string' && { audience: c.audience }),
      ...(typeof c.jwks_uri === 'string' && { jwksUri: c.jwks_uri }),
    }));
}

export const toFederatedCredentialDocs = (list: FederatedCredential[]): FederatedCredentialDoc[] =>
  list.map((c) => ({
    issuer: c.issuer,
    subject: c.subject,
    ...(c.audience !== undefined && { audience: c.audience }),
    ...(c.jwksUri !== undefined && { jwks_uri: c.jwksUri }),
  }));

export const isSecretActive = (secret: ClientSecret, now: number): boolean =>
  !isDate(secret.expires_at) || secret.expires_at.getTime() > now;

export function toSecretView(secret: ClientSecret, now: number): ClientSecretView {
  return {
    id: secret.id,
    createdAt: secret.created_at,
    ...(isDate(secret.expires_at) && { expiresAt: secret.expires_at }),
    ...(isDate(secret.last_used_at) && { lastUsedAt: secret.last_used_at }),
    active: isSecretActive(secret, now),
  };
}

export function toClientView(record: ClientRecord, now = Date.now()): ClientView {
  const { registrationId: _internal, ...client } = record.client;
  return {
    ...client,
    secrets: record.secrets.map((s) => toSecretView(s, now)),
    hasLegacySecret: record.legacySecret !== undefined,
    ...(record.jwks && { jwks: record.jwks }),
    ...(record.federatedCredentials.length > 0 && {
      federatedCredentials: record.federatedCredentials,
    }),
    ...(record.createdAt && { createdAt: record.createdAt }),
    ...(record.updatedAt && { updatedAt: record.updatedAt }),
  };
}
