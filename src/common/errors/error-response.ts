import { HttpException, type Logger } from '@nestjs/common';
import {
  AccessDeniedError,
  InvalidRequestError,
  InvalidTokenError,
  NotFoundError,
  OAuthError,
  RateLimitExceededError,
  ServerError,
  TemporarilyUnavailableError,
} from './oauth-errors';

export interface ErrorBody {
  error: string;
  error_description: string;
}

/** Headers every error carries: an error about credentials must never be cached by a proxy. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

const messageOf = (response: unknown, fallback: string): string => {
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object' && 'message' in response) {
    const { message } = response;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return fallback;
};

/** Maps a status from Nest or Fastify (validation, routing, body parsing) into the closed set. */
function fromStatus(status: number, description: string): OAuthError {
  if (status === 401) return new InvalidTokenError(description);
  if (status === 403) return new AccessDeniedError(description);
  if (status === 404) return new NotFoundError(description);
  if (status === 429) return new RateLimitExceededError(description);
  if (status === 503) return new TemporarilyUnavailableError(description);
  if (status >= 400 && status < 500) {
    // 405, 413 and 415 keep their status so clients learn what went wrong at the HTTP level.
    const keep = status === 413 || status === 415 || status === 405;
    return new InvalidRequestError(description, keep ? { status } : {});
  }
  return new ServerError('internal server error');
}

/**
 * Turns anything thrown into an OAuthError. Returns `internal: true` when the original must be
 * logged because its details are withheld from the client.
 */
export function toOAuthError(exception: unknown): { error: OAuthError; internal: boolean } {
  if (exception instanceof OAuthError)
    return { error: exception, internal: exception.status >= 500 };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      error: fromStatus(status, messageOf(exception.getResponse(), exception.message)),
      internal: status >= 500,
    };
  }
  // Fastify's own errors (body parser, body limit) carry a 4xx statusCode and a safe message.
  const status = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (exception as { message?: unknown }).message;
    return {
      error: fromStatus(status, typeof message === 'string' ? message : 'bad request'),
      internal: false,
    };
  }
  return { error: new ServerError('internal server error'), internal: true };
}

export function renderError(error: OAuthError): {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  return {
    status: error.status,
    headers: { ...NO_STORE_HEADERS, ...error.headers },
    body: { error: error.error, error_description: error.description },
  };
}

/**
 * The one log line of a 5xx: the full error, tied to its request. Lines logged by handlers carry no
 * per-request context (see AccessLogHook), so the request id is attached here explicitly.
 */
export function logInternalError(logger: Logger, exception: unknown, requestId: unknown): void {
  const detail =
    exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
  logger.error({ req: { id: requestId }, err: detail }, 'request failed with an internal error');
}
