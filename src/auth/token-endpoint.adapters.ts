import { TOKEN_EXCHANGE_GRANT } from '../clients/clients.types';
import type { RequestMeta } from '../common/http/request-context';
import { InvalidGrantError, UnsupportedGrantTypeError } from '../common/errors/oauth-errors';
import type { TokenRequestDto } from './dto/token-request.dto';
import type { LegacyRefreshRequestDto, LegacyTokenRequestDto } from './dto/legacy-requests.dto';
import type { LegacyTokenResponseDto, TokenResponseDto } from './dto/token-response.dto';
import type { TokenIssue, TokenRequest } from './token-endpoint.service';

/** Translations between each endpoint's wire format and the one token pipeline. */

export function oauthTokenRequest(
  dto: TokenRequestDto,
  authorization: string | undefined,
  meta: RequestMeta,
): TokenRequest {
  return {
    grantType: dto.grant_type,
    offeredGrants: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
    scope: dto.scope,
    resource: dto.resource,
    refreshToken: dto.refresh_token,
    ...(dto.grant_type === TOKEN_EXCHANGE_GRANT && {
      exchange: {
        subjectToken: dto.subject_token,
        subjectTokenType: dto.subject_token_type,
        actorToken: dto.actor_token,
        actorTokenType: dto.actor_token_type,
        requestedTokenType: dto.requested_token_type,
        audience: dto.audience ?? [],
      },
    }),
    clientAuth: { kind: 'request', authorization, params: dto },
    meta,
  };
}

export function toTokenResponse(issue: TokenIssue): TokenResponseDto {
  return {
    access_token: issue.accessToken.token,
    // RFC 9449 §5: a DPoP-bound token is announced as such.
    token_type: issue.dpopJkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: issue.accessToken.expiresIn,
    scope: issue.scopes.join(' '),
    ...(issue.refreshToken !== undefined && { refresh_token: issue.refreshToken }),
    ...(issue.delegation && { issued_token_type: issue.delegation.issuedTokenType }),
  };
}

/** FastAPI's OAuth2PasswordRequestForm accepts grant_type absent or "password"; OAuth clients send client_credentials. */
const LEGACY_TOKEN_GRANTS = new Set(['password', 'client_credentials']);

export function legacyTokenRequest(dto: LegacyTokenRequestDto, meta: RequestMeta): TokenRequest {
  const grantType =
    dto.grant_type === undefined || dto.grant_type === '' ? 'password' : dto.grant_type;
  if (!LEGACY_TOKEN_GRANTS.has(grantType)) {
    throw new UnsupportedGrantTypeError(`grant_type ${grantType} is not supported here`);
  }
  return {
    grantType: 'password',
    offeredGrants: ['password'],
    scope: dto.scope,
    clientAuth: {
      kind: 'credentials',
      credentials: {
        method: 'client_secret_post',
        clientId: dto.username,
        clientSecret: dto.password,
      },
    },
    meta,
  };
}

export function legacyRefreshRequest(
  dto: LegacyRefreshRequestDto,
  meta: RequestMeta,
): TokenRequest {
  return {
    grantType: 'refresh_token',
    offeredGrants: ['refresh_token'],
    refreshToken: dto.refresh_token,
    clientAuth: { kind: 'none' },
    meta,
  };
}

export function toLegacyTokenResponse(issue: TokenIssue): LegacyTokenResponseDto {
  // The FastAPI service's /token and /refresh always return a refresh token; the password and refresh grants always issue one.
  return {
    access_token: issue.accessToken.token,
    refresh_token: issue.refreshToken ?? '',
    token_type: 'bearer',
  };
}

/** The FastAPI service answered an unknown, expired or reused refresh token with 401, not RFC 6749's 400. */
export async function withLegacyRefreshStatus<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof InvalidGrantError) {
      throw new InvalidGrantError(err.description, {
        status: 401,
        detail: err.detail,
        headers: err.headers,
      });
    }
    throw err;
  }
}
