export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_TYPES = [
  'client_credentials',
  'refresh_token',
  'password',
  TOKEN_EXCHANGE_GRANT,
] as const;
/** `password` is the FastAPI service's `/token` form (username = client_id, password = client_secret). */
export type GrantType = (typeof GRANT_TYPES)[number];

/** What a grant handler needs to know about an authenticated client. Never carries secrets. */
export interface OAuthClient {
  clientId: string;
  name?: string;
  scopes: string[];
  role: string;
  /** Allowed `resource`/audience values (RFC 8707). Empty: only the default audience. */
  audiences: string[];
  grantTypes: GrantType[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Audiences this client may exchange tokens for (RFC 8693); empty: none. */
  tokenExchangeAudiences?: string[];
  /** Whether client_credentials on /oauth/token also returns a refresh token. */
  refreshTokens: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /** Every DPoP proof of this client must carry a server nonce (as DPOP_NONCE_REQUIRED does for all). */
  dpopNonceRequired: boolean;
  /** Per-client access-token lifetime; undefined: the runtime default. */
  accessTokenTtlSeconds?: number;
  /** Seconds within which a retried refresh replays the pair its first use got; 0: off. */
  refreshGraceSeconds: number;
  disabled: boolean;
  /**
   * The `_id` of this registration's document: a client deleted and created again under the same
   * client_id gets a new one, so tokens of the earlier registration can be told apart. Internal.
   */
  registrationId?: string;
}

/** Credentials as the HTTP layer found them; ClientAuthService decides whether they are good. */
export type ClientCredentials =
  | {
      method: 'client_secret_basic' | 'client_secret_post';
      clientId: string;
      clientSecret: string;
    }
  | {
      method: 'private_key_jwt';
      /** client_id form field, if sent; must match the assertion's iss/sub. */
      clientId?: string;
      assertion: string;
      /** Values the assertion's `aud` may carry: the token endpoint URL and the issuer. */
      expectedAudiences: string[];
    };

/** A retry window, not a second lifetime: long enough for a network retry, short for an attacker. */
export const MAX_REFRESH_GRACE_SECONDS = 60;

/** How a client proved who it is, as audited (`federated`: a JWT of a trusted workload issuer). */
export type ClientAuthMethodUsed = ClientCredentials['method'] | 'federated';

export type { RequestMeta } from '../common/http/request-context';

/** A secret's metadata as the admin API and CLI show it. The hash never leaves the module. */
export interface ClientSecretView {
  id: string;
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  active: boolean;
}

/** A registered JSON Web Key Set (public keys only), for private_key_jwt. */
export interface ClientJwks {
  keys: Record<string, unknown>[];
}

/**
 * A trust in an external workload issuer (Kubernetes, GitHub Actions, SPIFFE): a JWT from
 * `issuer` whose `sub` is `subject` (or starts with it, when it ends in `*`) authenticates the client.
 */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  /** When set, the JWT's `aud` must also contain it. */
  audience?: string;
  /** Else discovered from `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
}

/** Which targets a client may exchange a token for (`audience` or `resource` values). */
export interface TokenExchangePolicy {
  audiences: string[];
}

/** A client as the admin API and CLI show it: the OAuthClient plus registry metadata. */
export interface ClientView extends Omit<OAuthClient, 'registrationId'> {
  secrets: ClientSecretView[];
  /** A FastAPI-era plaintext `client_secret` still waits to be migrated at its first use. */
  hasLegacySecret: boolean;
  jwks?: ClientJwks;
  federatedCredentials?: FederatedCredential[];
  createdAt?: Date;
  updatedAt?: Date;
}

/** A secret shown once, right after it was generated (or imported). */
export interface IssuedSecret {
  id: string;
  value: string;
  expiresAt?: Date;
}

export interface CreateClientInput {
  clientId?: string;
  name?: string;
  scopes: string[];
  role: string;
  audiences?: string[];
  grantTypes?: GrantType[];
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  refreshTokens?: boolean;
  dpopBoundAccessTokens?: boolean;
  dpopNonceRequired?: boolean;
  accessTokenTtlSeconds?: number;
  refreshGraceSeconds?: number;
  jwks?: ClientJwks;
  federatedCredentials?: FederatedCredential[];
  tokenExchange?: TokenExchangePolicy;
  /** Import an existing secret (CLI only); otherwise one is generated. */
  secret?: string;
}

export interface UpdateClientInput {
  name?: string;
  scopes?: string[];
  role?: string;
  audiences?: string[];
  grantTypes?: GrantType[];
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  refreshTokens?: boolean;
  dpopBoundAccessTokens?: boolean;
  dpopNonceRequired?: boolean;
  /** null: back to the runtime default. */
  accessTokenTtlSeconds?: number | null;
  refreshGraceSeconds?: number;
  /** null: remove the registered key set. */
  jwks?: ClientJwks | null;
  /** null or []: remove them all. */
  federatedCredentials?: FederatedCredential[] | null;
  /** null: no exchanges any more. */
  tokenExchange?: TokenExchangePolicy | null;
  disabled?: boolean;
}

export interface ClientPage {
  items: ClientView[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}
