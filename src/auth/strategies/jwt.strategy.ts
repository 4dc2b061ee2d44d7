import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { InvalidTokenError } from '../../common/errors/oauth-errors';
import { AppConfig } from '../../config/app-config.service';
import { AccessTokenService } from '../../tokens/access-token.service';
import type { AccessTokenClaims } from '../../tokens/tokens.types';

/** Why authentication failed; the guard turns it into the 401 and its WWW-Authenticate challenge. */
export interface BearerFailure {
  tokenPresent: boolean;
  reason: string;
}

/**
 * The 'jwt' passport strategy. passport-jwt extracts the bearer token and drives passport's
 * success/fail protocol; the verification itself is AccessTokenService.verify, the one code path
 * that also serves introspection (passport-jwt's own verifier, jsonwebtoken, knows neither EdDSA
 * nor RFC 9068's typ, nor our revocation list, and verifying twice would halve /protected).
 * Only tokens whose `aud` includes the issuer open this server's own routes.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly extractToken = ExtractJwt.fromAuthHeaderAsBearerToken();

  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // Required by passport-jwt's constructor; never reached because authenticate() delegates.
      secretOrKeyProvider: (_req: unknown, _token: unknown, done: (err: Error) => void) =>
        done(new Error('verification is delegated to AccessTokenService')),
    });
  }

  // Typed for express by @types/passport-strategy; under Fastify it receives the FastifyRequest.
  override authenticate(req: Parameters<Strategy['authenticate']>[0]): void {
    const token = this.extractToken(req);
    if (!token) {
      this.fail(
        { tokenPresent: false, reason: 'missing bearer token' } satisfies BearerFailure,
        401,
      );
      return;
    }
    this.accessTokens
      .verify(token, { audience: this.config.issuer })
      .then((claims) => this.success(this.validate(claims)))
      .catch((err: unknown) => {
        if (err instanceof InvalidTokenError) {
          this.fail({ tokenPresent: true, reason: err.description } satisfies BearerFailure, 401);
        } else {
          this.error(err instanceof Error ? err : new Error(String(err)));
        }
      });
  }

  validate(claims: AccessTokenClaims): AuthenticatedClient {
    return {
      clientId: claims.client_id,
      scopes: claims.scopes,
      role: claims.role,
      jti: claims.jti,
      exp: claims.exp,
      aud: claims.aud,
      claims: { ...claims },
    };
  }
}
