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
  | 'not_found'
  | 'conflict'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'temporarily_unavailable';

export abstract class OAuthError extends Error {
  abstract readonly error: OAuthErrorCode;
  abstract readonly status: number;
  /** Extra response headers, e.g. WWW-Authenticate or Retry-After. */
  headers: Record<string, string> = {};

  constructor(readonly description: string) {
    super(description);
    this.name = new.target.name;
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
  readonly status = 400;
}

/** 401. When the client tried HTTP Basic, RFC 6749 §5.2 requires a WWW-Authenticate challenge. */
export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  readonly status = 401;
}

export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
  readonly status = 400;
}

export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
  readonly status = 400;
}

export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
  readonly status = 400;
}

export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
  readonly status = 400;
}

/** RFC 8707 §2: a `resource` the client may not obtain a token for, or not an absolute URI. */
export class InvalidTargetError extends OAuthError {
  readonly error = 'invalid_target';
  readonly status = 400;
}

/** RFC 6750: missing, malformed, expired or revoked bearer token on a protected route. */
export class InvalidTokenError extends OAuthError {
  readonly error = 'invalid_token';
  readonly status = 401;
}

export class InsufficientScopeError extends OAuthError {
  readonly error = 'insufficient_scope';
  readonly status = 403;
}

/** The token is valid and scoped, but the caller's role does not allow the route. */
export class AccessDeniedError extends OAuthError {
  readonly error = 'access_denied';
  readonly status = 403;
}

export class UnsupportedTokenTypeError extends OAuthError {
  readonly error = 'unsupported_token_type';
  readonly status = 400;
}

export class NotFoundError extends OAuthError {
  readonly error = 'not_found';
  readonly status = 404;
}

export class ConflictError extends OAuthError {
  readonly error = 'conflict';
  readonly status = 409;
}

export class RateLimitExceededError extends OAuthError {
  readonly error = 'rate_limit_exceeded';
  readonly status = 429;
}

export class ServerError extends OAuthError {
  readonly error = 'server_error';
  readonly status = 500;
}

export class TemporarilyUnavailableError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  readonly status = 503;
}
