import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import {
  InvalidDpopProofError,
  InvalidTokenError,
  UseDpopNonceError,
  type OAuthError,
} from '../../common/errors/oauth-errors';
import type { EventBus } from '../../common/events';
import { dpopToken, requestMetaOf } from '../../common/http/request-context';
import type { AppConfig } from '../../config/app-config.service';
import { dpopChallenge } from '../../dpop/dpop-challenge';
import type { DpopService } from '../../dpop/dpop.service';
import type { AccessTokenService } from '../../tokens/access-token.service';
import type { AccessTokenClaims } from '../../tokens/tokens.types';
import { toAuthenticatedClient } from '../strategies/bearer-token';

/**
 * `Authorization: DPoP <token>` on this server's protected routes (RFC 9449 §7): the access token
 * is verified as a bearer token is (cache, key resolution, claims, audience, revocation), then the
 * `DPoP` proof must name this request (htm, htu), hash the token (ath) and be signed by the key of
 * the token's `cnf.jkt`. Refusals are 401 with the DPoP challenge of §7.1.
 */
export class DpopAuthenticator {
  constructor(
    private readonly dpop: DpopService,
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
    private readonly events: EventBus,
  ) {}

  async authenticate(req: FastifyRequest & { user?: AuthenticatedClient }): Promise<boolean> {
    const token = dpopToken(req.headers.authorization) ?? '';
    const claims = await this.verifiedToken(req, token);
    const jkt = claims.cnf?.jkt;
    if (jkt === undefined) {
      // A bearer token sent under the DPoP scheme would otherwise pass without its proof mattering.
      throw this.refuse(req, new InvalidTokenError('token is not DPoP-bound'));
    }
    try {
      await this.dpop.verify(
        {
          proof: req.headers.dpop,
          htm: req.method,
          htu: this.dpop.htuFor(req.url),
          accessToken: token,
          jkt,
          nonceRequired: this.config.dpop.nonceRequired,
        },
        401,
      );
    } catch (err) {
      if (err instanceof InvalidDpopProofError || err instanceof UseDpopNonceError)
        throw this.refuse(req, err);
      throw err;
    }
    req.user = toAuthenticatedClient(claims);
    return true;
  }

  private async verifiedToken(req: FastifyRequest, token: string): Promise<AccessTokenClaims> {
    try {
      return (
        this.accessTokens.fromCache(token, this.config.issuer) ??
        (await this.accessTokens.verify(token, { audience: this.config.issuer }))
      );
    } catch (err) {
      if (err instanceof InvalidTokenError) throw this.refuse(req, err);
      throw err;
    }
  }

  private refuse(req: FastifyRequest, error: OAuthError): OAuthError {
    const meta = requestMetaOf(req);
    this.events.emit('token.invalid', {
      ...meta,
      request: meta,
      code: error.error,
      reason: error.description,
    });
    const status = 401;
    const refused =
      error instanceof InvalidTokenError
        ? new InvalidTokenError(error.description, { status, headers: error.headers })
        : error;
    return refused.withHeader(
      'WWW-Authenticate',
      dpopChallenge({ error: error.error, error_description: error.description }),
    );
  }
}
