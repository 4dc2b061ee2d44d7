import type { RequestMeta } from '../common/http/request-context';
/** Input for a new access token; the grant handler decides every value (tokens does not know clients). */
export interface AccessTokenRequest {
  clientId: string;
  scopes: string[];
  role: string;
  /** `aud`; empty means the default audience (the issuer). */
  audience: string[];
  /** Lifetime; undefined means jwt_config's ACCESS_TOKEN_EXPIRE_MINUTES. */
  ttlSeconds?: number;
  /** RFC 9449: bind the token to this DPoP key thumbprint (`cnf.jkt`). */
  dpopJkt?: string;
  /** `sub` when it is not the client itself (token exchange: the subject token's subject). */
  subject?: string;
  /** RFC 8693 §4.1 `act`: the current actor, earlier actors nested inside. */
  act?: ActorClaim;
}

/** RFC 8693 §4.1: who acts on behalf of the subject; `act` inside it is the actor before. */
export interface ActorClaim {
  sub: string;
  iss?: string;
  act?: ActorClaim;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Seconds. */
  expiresIn: number;
  /** Seconds since the epoch. */
  exp: number;
}

/** What a verified access token grants. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  client_id: string;
  aud: string[];
  scope: string;
  scopes: string[];
  role: string;
  jti: string;
  iat: number;
  exp: number;
  /** RFC 9449 §6: present on a DPoP-bound token. */
  cnf?: { jkt: string };
  /** Present on a token obtained by delegation (token exchange with an actor). */
  act?: ActorClaim;
}

export interface RefreshTokenRequest {
  clientId: string;
  scopes: string[];
  role: string;
  audience: string[];
  /** The registration (client document _id) the family belongs to; see RefreshToken.client_ref. */
  clientRef?: string;
  /**
   * Continue an existing family (rotation); undefined opens a new one. `parentIssuedAtMs` is when
   * the consumed token was issued: a client-wide revocation after it also covers the new token.
   */
  rotation?: { familyId: string; parentIssuedAtMs: number };
  /** The access token issued alongside, so a reuse can revoke it too. */
  accessJti: string;
  accessExp: number;
  /** RFC 9449: bind the refresh token to this DPoP key thumbprint. */
  dpopJkt?: string;
  meta?: RequestMeta;
}

/** A refresh token that was valid and has now been consumed (rotated) atomically. */
export interface RefreshGrant {
  clientId: string;
  scopes: string[];
  role?: string;
  audience: string[];
  familyId: string;
  /** When the consumed token was issued (ms). */
  issuedAtMs: number;
  /**
   * The client has a grace period: the pair this rotation issues is to be kept until `until`,
   * under the spent token's hash (RefreshTokenService.rememberPair).
   */
  grace?: { spentHash: string; until: Date };
  /** A retry within the grace period: nothing is minted, this pair is returned again. */
  replay?: GracePair;
}

/** What a rotation issued, as a retry within the grace period gets it back. */
export interface GracePair {
  accessToken: IssuedAccessToken;
  refreshToken: string;
  scopes: string[];
  audience: string[];
  /** The DPoP key the pair is bound to, so a replay answers `token_type: DPoP` like the original. */
  dpopJkt?: string;
}

export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  token_type?: 'Bearer' | 'DPoP' | 'refresh_token';
  role?: string;
  /** RFC 9449 §6.2: the key a DPoP-bound token is bound to. */
  cnf?: { jkt: string };
}

export interface PublicJwks {
  keys: Record<string, unknown>[];
}

/** The one request context (common/http/request-context), under the name the token services use. */

/** Options for AccessTokenService.verify. */
export interface VerifyAccessTokenOptions {
  /** When set, `aud` must contain it (the app's own routes pass the issuer). Unset: any audience. */
  audience?: string;
  /**
   * Accept a token past its exp (signature, issuer and revocation still checked): for denylisting
   * a token by jti. Never for authorizing a request.
   */
  allowExpired?: boolean;
}
