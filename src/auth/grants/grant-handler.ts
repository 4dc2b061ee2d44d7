import type { GrantType, OAuthClient, RequestMeta } from '../../clients/clients.types';

/** What a grant handler is given: the authenticated client (null only for the seed's /refresh). */
export interface GrantContext {
  client: OAuthClient | null;
  /** Scopes and resources the request asked for, already parsed. */
  requestedScopes: string[];
  requestedResources: string[];
  refreshToken?: string;
  meta: RequestMeta;
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
  family?: { id: string; scopes: string[]; audience: string[] };
}

export interface GrantHandler {
  readonly grantType: GrantType;
  resolve(ctx: GrantContext): Promise<GrantDecision>;
}

export type GrantHandlerMap = Partial<Record<string, GrantHandler>>;
