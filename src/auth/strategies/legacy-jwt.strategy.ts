import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import type { InvalidTokenError } from '../../common/errors/oauth-errors';
import { AppConfig } from '../../config/app-config.service';
import { AccessTokenService } from '../../tokens/access-token.service';
import type { TokenParts } from '../../tokens/jwt/compact-token';
import { acceptBearer, extractBearerToken, JWT_VERIFY_OPTIONS, keyProvider } from './bearer-token';

/**
 * The 'legacy-jwt' passport strategy: HS256 tokens, verified by passport-jwt (jsonwebtoken) with
 * jwt_config's SECRET_KEY, and only while jwt_config.ALGORITHM is HS256 (the FastAPI service's
 * mode). Its tokens carry neither iss nor aud, so those are not pinned here: an iss that is
 * present is still checked, and a missing aud means this server (acceptBearer's claim checks).
 */
@Injectable()
export class LegacyJwtStrategy extends PassportStrategy(Strategy, 'legacy-jwt') {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {
    super({
      jwtFromRequest: extractBearerToken,
      secretOrKeyProvider: keyProvider(accessTokens, (alg) => alg === 'HS256'),
      algorithms: ['HS256'],
      jsonWebTokenOptions: JWT_VERIFY_OPTIONS,
      passReqToCallback: true,
    });
  }

  validate(
    req: FastifyRequest,
    decoded: TokenParts,
  ): AuthenticatedClient | [false, InvalidTokenError] {
    return acceptBearer(this.accessTokens, this.config.issuer, req, decoded);
  }
}
