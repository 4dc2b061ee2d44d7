import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { Public } from '../../common/decorators';
import { InvalidTokenError } from '../../common/errors/oauth-errors';
import { EventBus } from '../../common/events';
import { dpopToken, requestMetaOf } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config.service';
import { dpopChallenge } from '../../dpop/dpop-challenge';
import { DpopService } from '../../dpop/dpop.service';
import { AccessTokenService } from '../../tokens/access-token.service';
import { describeJwtError } from '../../tokens/jwt/jwt-errors';
import {
  BOUND_TOKEN_AS_BEARER,
  BearerVerificationCrash,
  extractBearerToken,
  toAuthenticatedClient,
  TokenForOtherStrategy,
  type BearerFailure,
} from '../strategies/bearer-token';
import { bearerChallenge } from './bearer-challenge';
import { DpopAuthenticator } from './dpop-authenticator';

/**
 * Global and default-deny: every route needs a valid bearer (or DPoP-bound) token unless it says
 * @Public(). `Authorization: DPoP` goes to the DpopAuthenticator; nothing else changes for bearers.
 * A token verified before is answered from the verified-token cache (revocation still checked);
 * any other goes to passport: 'jwt' (key-store tokens), then 'legacy-jwt' (HS256), each of which
 * leaves a token of the other kind alone.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(['jwt', 'legacy-jwt']) {
  private readonly dpop: DpopAuthenticator;

  constructor(
    private readonly reflector: Reflector,
    private readonly events: EventBus,
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
    dpop: DpopService,
  ) {
    super();
    this.dpop = new DpopAuthenticator(dpop, accessTokens, config, events);
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]))
      return true;
    return this.authenticate(context);
  }

  /** The bearer check itself, for guards that require a token on a route that is otherwise public. */
  authenticate(context: ExecutionContext): boolean | Promise<boolean> {
    const req = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedClient }>();
    if (dpopToken(req.headers.authorization) !== undefined) return this.dpop.authenticate(req);
    const token = extractBearerToken(req);
    if (token) {
      let claims;
      try {
        claims = this.accessTokens.fromCache(token, this.config.issuer);
      } catch (err) {
        if (err instanceof InvalidTokenError) this.reject(context, tokenFailure(err.description));
        throw err;
      }
      if (claims?.cnf) this.reject(context, tokenFailure(BOUND_TOKEN_AS_BEARER));
      if (claims) {
        req.user = toAuthenticatedClient(claims);
        return true;
      }
    }
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<TUser = AuthenticatedClient>(
    err: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (err) throw err instanceof Error ? err : new Error('bearer authentication failed');
    if (user) return user;
    // One failure per strategy tried; the one that owned the token says why.
    const infos: unknown[] = Array.isArray(info) ? info : [info];
    const owned = infos.find((i) => !(i instanceof TokenForOtherStrategy));
    if (owned instanceof BearerVerificationCrash) {
      throw owned.cause instanceof Error ? owned.cause : new Error(String(owned.cause));
    }
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!extractBearerToken(req)) {
      this.reject(context, { tokenPresent: false, reason: 'missing bearer token' });
    }
    this.reject(context, tokenFailure(describeFailure(owned)));
  }

  private reject(context: ExecutionContext, failure: BearerFailure): never {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const meta = requestMetaOf(req);
    if (!failure.tokenPresent) {
      this.events.emit('access.denied', {
        ...meta,
        request: meta,
        code: 'missing_token',
        reason: failure.reason,
      });
      throw new InvalidTokenError(failure.reason).withHeader('WWW-Authenticate', bearerChallenge());
    }
    this.events.emit('token.invalid', {
      ...meta,
      request: meta,
      code: 'invalid_token',
      reason: failure.reason,
    });
    const attributes = { error: 'invalid_token', error_description: failure.reason };
    throw new InvalidTokenError(failure.reason).withHeader(
      'WWW-Authenticate',
      failure.reason === BOUND_TOKEN_AS_BEARER
        ? dpopChallenge(attributes)
        : bearerChallenge(attributes),
    );
  }
}

const tokenFailure = (reason: string): BearerFailure => ({ tokenPresent: true, reason });

/**
 * passport-jwt fails with our InvalidTokenError (key resolution, claims) or jsonwebtoken's error;
 * anything else jsonwebtoken lets through (a signature of the wrong size) is a bad signature.
 */
function describeFailure(info: unknown): string {
  if (info instanceof InvalidTokenError) return info.description;
  return describeJwtError(info) ?? 'invalid token signature';
}
