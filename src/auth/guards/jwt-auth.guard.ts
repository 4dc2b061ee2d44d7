import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { Public } from '../../common/decorators';
import { InvalidTokenError } from '../../common/errors/oauth-errors';
import { EventBus } from '../../common/events';
import { requestMetaOf } from '../../common/http/request-context';
import type { BearerFailure } from '../strategies/jwt.strategy';
import { bearerChallenge } from './bearer-challenge';

/** Global and default-deny: every route needs a valid bearer token unless it says @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly events: EventBus,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]))
      return true;
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
    const failure = toFailure(info);
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const meta = requestMetaOf(req);
    if (!failure.tokenPresent) {
      this.events.emit('access.denied', { ...meta, code: 'missing_token', reason: failure.reason });
      throw new InvalidTokenError(failure.reason).withHeader('WWW-Authenticate', bearerChallenge());
    }
    this.events.emit('token.invalid', { ...meta, code: 'invalid_token', reason: failure.reason });
    throw new InvalidTokenError(failure.reason).withHeader(
      'WWW-Authenticate',
      bearerChallenge({ error: 'invalid_token', error_description: failure.reason }),
    );
  }
}

function toFailure(info: unknown): BearerFailure {
  if (info && typeof info === 'object' && 'reason' in info && 'tokenPresent' in info)
    return info as BearerFailure;
  return { tokenPresent: false, reason: 'missing bearer token' };
}
