import { Injectable, OnModuleInit } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import type { InvalidTokenError } from '../../common/errors/oauth-errors';
import { AppConfig } from '../../config/app-config.service';
import { AccessTokenService } from '../../tokens/access-token.service';
import type { TokenParts } from '../../tokens/jwt/compact-token';
import { KEY_STORE_ALGS } from '../../tokens/jwt/jwt-algorithms';
import { SigningKeyService } from '../../tokens/signing-key.service';
import { acceptBearer, extractBearerToken, JWT_VERIFY_OPTIONS, keyProvider } from './bearer-token';

/**
 * The 'jwt' passport strategy: key-store tokens (ES256, RS256, PS256). passport-jwt extracts the
 * bearer token and verifies it with jsonwebtoken, pinned to the issuer, to this server's own
 * audience, and to the algorithm of the kid the token names (secretOrKeyProvider refuses a
 * header alg other than the kid's before any signature is checked). HS256 tokens belong to the
 * 'legacy-jwt' strategy.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') implements OnModuleInit {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
    private readonly keys: SigningKeyService,
  ) {
    super({
      jwtFromRequest: extractBearerToken,
      secretOrKeyProvider: keyProvider(accessTokens, (alg) => alg !== 'HS256'),
      algorithms: [...KEY_STORE_ALGS],
      issuer: config.issuer,
      audience: config.issuer,
      jsonWebTokenOptions: JWT_VERIFY_OPTIONS,
      passReqToCallback: true,
    });
  }

  /** No bearer token can be issued or verified with an EdDSA active key: refuse to start. */
  onModuleInit(): void {
    this.keys.assertActiveKeySupported();
  }

  validate(
    req: FastifyRequest,
    decoded: TokenParts,
  ): AuthenticatedClient | [false, InvalidTokenError] {
    return acceptBearer(this.accessTokens, this.config.issuer, req, decoded);
  }
}
