/**
 * The closed set of errors the API returns, named after their RFC codes
 * (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1) plus the few HTTP-level ones every route needs.
 * The exception filter renders them as `{ error, error_description }`.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'access_denied'
  | 'unsupported_token_type'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'not_found'
  | 'conflict'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'temporarily_unavailable';

export interface OAuthErrorOptions {
  /** What went wrong precisely, for logs and audit only: never sent to the client. */
  detail?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /**
   * An HTTP status other than the code's usual one: the FastAPI service's 401 for invalid_grant
   * on `/refresh`, or 405/413/415 for an invalid_request the HTTP layer refused.
   */
  status?: number;
}

export abstract class OAuthError extends Error {
  abstract readonly error: OAuthErrorCode;
  readonly status: number;
  /** Private: logged and audited, never rendered. */
  readonly detail?: string;
  /** Extra response headers, e.g. WWW-Authenticate or Retry-After. */
  readonly headers: Record<string, string>;

  protected constructor(
    readonly description: string,
    defaultStatus: number,
    options: OAuthErrorOptions = {},
  ) {
    super(description);
    this.name = new.target.name;
    this.status = options.status ?? defaultStatus;
    this.detail = options.detail;
    this.headers = { ...options.headers };
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

/** One class per RFC code, with the status the RFCs give it. */
function oauthError<C extends OAuthErrorCode>(code: C, defaultStatus: number) {
  abstract class CodedError extends OAuthError {
    readonly error: C = code;
    constructor(description: string, options?: OAuthErrorOptions) {
      super(description, defaultStatus, options);
    }
  }
  return CodedError;
}

export class InvalidRequestError extends oauthError('invalid_request', 400) {}

/** 401. When the client tried HTTP Basic, RFC 6749 §5.2 requires a WWW-Authenticate challenge. */
export class InvalidClientError extends oauthError('invalid_client', 401) {}

export class InvalidGrantError extends oauthError('invalid_grant', 400) {}

export class UnauthorizedClientError extends oauthError('unauthorized_client', 400) {}

export class UnsupportedGrantTypeError extends oauthError('unsupported_grant_type', 400) {}

export class InvalidScopeError extends oauthError('invalid_scope', 400) {}

/** RFC 8707 §2: a `resource` the client may not obtain a token for, or not an absolute URI. */
export class InvalidTargetError extends oauthError('invalid_target', 400) {}

/** RFC 6750: missing, malformed, expired or revoked bearer token on a protected route. */
export class InvalidTokenError extends oauthError('invalid_token', 401) {}

export class InsufficientScopeError extends oauthError('insufficient_scope', 403) {}

/** The token is valid and scoped, but the caller's role does not allow the route. */
export class AccessDeniedError extends oauthError('access_denied', 403) {}

/**
 * RFC 9449 §5 and §7.1: a missing (where required), malformed or unacceptable DPoP proof. 400 at
 * the token endpoint; a protected route passes `status: 401` with its DPoP challenge.
 */
export class InvalidDpopProofError extends oauthError('invalid_dpop_proof', 400) {}

/** RFC 9449 §8 and §9: the proof must carry the server nonce sent in the `DPoP-Nonce` header. */
export class UseDpopNonceError extends oauthError('use_dpop_nonce', 400) {}

export class UnsupportedTokenTypeError extends oauthError('unsupported_token_type', 400) {}

export class NotFoundError extends oauthError('not_found', 404) {}

export class ConflictError extends oauthError('conflict', 409) {}

export class RateLimitExceededError extends oauthError('rate_limit_exceeded', 429) {}

export class ServerError extends oauthError('server_error', 500) {}

export class TemporarilyUnavailableError extends oauthError('temporarily_unavailable', 503) {}
