import type { GrantType, OAuthClient } from '../../clients/clients.types';
import type { ActorClaim } from '../../tokens/tokens.types';
import type { RequestMeta } from '../../common/http/request-context';
import type { GracePair } from '../../tokens/tokens.types';
import { InvalidClientError, UnauthorizedClientError } from '../../common/errors/oauth-errors';

/** What a grant handler is given: the authenticated client (null only for the FastAPI service's /refresh). */
export interface GrantContext {
  client: OAuthClient | null;
  /** Scopes and resources the request asked for, already parsed: a refresh checks them before it consumes. */
  requestedScopes: string[];
  requestedResources: string[];
  refreshToken?: string;
  /**
   * The thumbprint of the request's DPoP key, null without a proof: a refresh token bound to a
   * key is used only with a proof of that key (checked before it is consumed).
   */
  dpopJkt?: string | null;
  /** Token exchange (RFC 8693 §2.1) parameters, as sent. */
  exchange?: TokenExchangeParams;
  meta: RequestMeta;
}

export interface TokenExchangeParams {
  subjectToken?: string;
  subjectTokenType?: string;
  actorToken?: string;
  actorTokenType?: string;
  requestedTokenType?: string;
  audience: string[];
}

/** What a grant entitles the client to; the pipeline narrows it by the requested scope and resource. */
export interface GrantDecision {
  client: OAuthClient;
  /** The widest scope set the token may carry. */
  allowedScopes: string[];
  /** Audiences a `resource` may select, and what the token gets when none is requested. */
  allowedAudiences: string[];
  defaultAudience: string[];
  issueRefreshToken: boolean;
  /**
   * A rotation continues this refresh family; the new refresh token keeps the family's grant
   * (RFC 6749 §6: the same scope) even when the request narrows the access token.
   */
  family?: {
    id: string;
    scopes: string[];
    audience: string[];
    parentIssuedAtMs: number;
    /** The client has a grace period: keep the issued pair for retries until `until`. */
    grace?: { spentHash: string; until: Date };
  };
  /** Token exchange: the checked targets (`audience` and `resource`), used as they are. */
  targetAudience?: string[];
  /** Token exchange: whom the token is about (`sub`), who acts for them, and the RFC 8693 type. */
  delegation?: { subject: string; act?: ActorClaim; actor?: string; issuedTokenType: string };
  /** A retry within the grace period: this pair is returned as it was, nothing is minted. */
  replay?: GracePair;
}

export interface GrantHandler {
  readonly grantType: GrantType;
  resolve(ctx: GrantContext): Promise<GrantDecision>;
}

/** A grant in which an authenticated client asks for a token for itself, within its own scopes. */
export function selfGrant(
  client: OAuthClient | null,
  issueRefreshToken: (client: OAuthClient) => boolean,
): Promise<GrantDecision> {
  if (!client) return Promise.reject(new InvalidClientError('client authentication is required'));
  return Promise.resolve({
    client,
    allowedScopes: client.scopes,
    allowedAudiences: client.audiences,
    defaultAudience: [],
    issueRefreshToken: issueRefreshToken(client),
  });
}

/** RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant. */
export function assertGrantAllowed(client: OAuthClient, grantType: GrantType): void {
  if (!client.grantTypes.includes(grantType)) {
    throw new UnauthorizedClientError(`this client may not use the ${grantType} grant`);
  }
}
