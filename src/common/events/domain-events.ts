import type { RequestMeta } from '../http/request-context';

/**
 * Every security-relevant thing that happens, as a typed event. Modules emit; only the audit
 * (and metrics) modules listen. Payloads never carry a secret or a whole token: at most a jti,
 * a family id or a short fingerprint.
 */
/** What every event carries: the request it happened in (when there is one) and why. */
export interface EventContext extends Pick<RequestMeta, 'ip' | 'requestId'> {
  /**
   * The context of the request the event happened in (requestMetaOf's object itself, not a
   * copy): audit writes one entry per request outcome through it. Never stored.
   */
  request?: RequestMeta;
  clientId?: string;
  /** Human-readable, safe to store: never a secret or a token. */
  reason: string;
}

export interface ClientAuthenticatedEvent extends EventContext {
  /** Set for workload identity federation (`federated`), with the workload's issuer and subject. */
  method?: string;
  issuer?: string;
  subject?: string;
}

export interface TokenIssuedEvent extends EventContext {
  clientId: string;
  grantType: string;
  jti: string;
  scope: string[];
  audience: string[];
  refreshTokenIssued: boolean;
  /** RFC 9449: the thumbprint of the DPoP key the tokens are bound to. */
  jkt?: string;
  /** Token exchange: whom the token is about, and who acts for them (delegation). */
  subject?: string;
  actor?: string;
}

export interface TokenRevokedEvent extends EventContext {
  tokenType: 'access_token' | 'refresh_token' | 'family' | 'client';
  jti?: string;
  familyId?: string;
}

export interface RefreshTokenEvent extends EventContext {
  familyId?: string;
}

export interface ClientChangedEvent extends EventContext {
  clientId: string;
  secretId?: string;
}

export interface SigningKeyEvent extends EventContext {
  kid: string;
}

export interface RequestDeniedEvent extends EventContext, Pick<RequestMeta, 'endpoint'> {
  /** Machine-readable cause for metrics labels: 'invalid_client', 'insufficient_scope', … */
  code: string;
}

/** Event name → payload. The names are the contract; audit maps them to the FastAPI service's event_type. */
export interface DomainEvents {
  'client.authenticated': ClientAuthenticatedEvent;
  'client.authentication_failed': RequestDeniedEvent;
  'token.issued': TokenIssuedEvent;
  'token.denied': RequestDeniedEvent;
  'token.revoked': TokenRevokedEvent;
  'token.invalid': RequestDeniedEvent;
  'access.denied': RequestDeniedEvent;
  'refresh_token.reused': RefreshTokenEvent;
  'refresh_token.invalid': RefreshTokenEvent;
  'refresh_token.grace_replayed': RefreshTokenEvent;
  'rate_limit.exceeded': EventContext;
  'client.created': ClientChangedEvent;
  'client.updated': ClientChangedEvent;
  'client.deleted': ClientChangedEvent;
  'client.secret_added': ClientChangedEvent;
  'client.secret_expired': ClientChangedEvent;
  'client.secret_migrated': ClientChangedEvent;
  'signing_key.created': SigningKeyEvent;
  'signing_key.activated': SigningKeyEvent;
  'signing_key.retired': SigningKeyEvent;
  'config.updated': EventContext;
}

export type DomainEventName = keyof DomainEvents;
