import type { FastifyRequest } from 'fastify';
import { ExtractJwt, type SecretOrKeyProvider } from 'passport-jwt';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { InvalidTokenError } from '../../common/errors/oauth-errors';
import type { AccessTokenService } from '../../tokens/access-token.service';
import { CLOCK_LEEWAY_SECONDS } from '../../tokens/tokens.constants';
import type { TokenParts } from '../../tokens/jwt/compact-token';
import type { AccessTokenClaims } from '../../tokens/tokens.types';

/** Why authentication failed; the guard turns it into the 401 and its WWW-Authenticate challenge. */
export interface BearerFailure {
  tokenPresent: boolean;
  reason: string;
}

/** RFC 9449 §7.2: a DPoP-bound token is refused under the Bearer scheme (it proves nothing there). */
export const BOUND_TOKEN_AS_BEARER = 'DPoP-bound token must be presented with the DPoP scheme';

/**
 * A strategy's answer to a token that the other strategy verifies (HS256 tokens go to
 * 'legacy-jwt', all others to 'jwt'): passport then tries the next one, and the guard reports the
 * failure of the strategy that owned the token.
 */
export class TokenForOtherStrategy extends Error {}

/** Not a verdict on the token (the key store could not be read): the guard rethrows the cause. */
export class BearerVerificationCrash extends Error {
  constructor(readonly cause: unknown) {
    super('bearer verification failed');
  }
}

/** passport-jwt's extractor, also used by the guard for its verified-token cache lookup. */
export const extractBearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** Options both strategies pass to jsonwebtoken: nbf within the leeway; exp to the second. */
export const JWT_VERIFY_OPTIONS = { complete: true, clockTolerance: CLOCK_LEEWAY_SECONDS };

/**
 * passport-jwt's secretOrKeyProvider: the token's own key (its kid in the key store, or the
 * configured secret), pinned to its one algorithm by AccessTokenService.keyForHeader.
 */
export function keyProvider(
  accessTokens: AccessTokenService,
  owns: (alg: unknown) => boolean,
): SecretOrKeyProvider<FastifyRequest> {
  return (_req, rawToken: string, done) => {
    let header: Record<string, unknown>;
    try {
      header = accessTokens.readHeader(rawToken);
    } catch (err) {
      // Not a token at all: the 'jwt' strategy reports why.
      done(owns(undefined) ? err : new TokenForOtherStrategy());
      return;
    }
    if (!owns(header.alg)) {
      done(new TokenForOtherStrategy());
      return;
    }
    accessTokens.keyForHeader(header).then(
      // jsonwebtoken takes the KeyObject as is; passport-jwt's types only name string | Buffer.
      ({ key }) => done(null, key as unknown as Buffer),
      (err: unknown) =>
        done(err instanceof InvalidTokenError ? err : new BearerVerificationCrash(err)),
    );
  };
}

/**
 * The verify callback of both strategies, after jsonwebtoken has checked signature, algorithm and
 * time (and, for 'jwt', issuer and audience): RFC 9068 claims, cache, revocation. A refusal is
 * passport's `fail` (`[false, info]`), so the guard renders it like every other one.
 */
export function acceptBearer(
  accessTokens: AccessTokenService,
  issuer: string,
  req: FastifyRequest,
  decoded: TokenParts,
): AuthenticatedClient | [false, InvalidTokenError] {
  const token = extractBearerToken(req) ?? '';
  try {
    const claims = accessTokens.acceptVerified(token, decoded, { audience: issuer });
    if (claims.cnf) return [false, new InvalidTokenError(BOUND_TOKEN_AS_BEARER)];
    return toAuthenticatedClient(claims);
  } catch (err) {
    if (err instanceof InvalidTokenError) return [false, err];
    throw err;
  }
}

export const toAuthenticatedClient = (claims: AccessTokenClaims): AuthenticatedClient => ({
  clientId: claims.client_id,
  scopes: claims.scopes,
  role: claims.role,
  jti: claims.jti,
  exp: claims.exp,
  aud: claims.aud,
  claims: { ...claims },
});
