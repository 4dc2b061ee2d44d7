import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { RequiredScopes } from '../../common/decorators';
import { InsufficientScopeError } from '../../common/errors/oauth-errors';
import { EventBus } from '../../common/events';
import { requestMetaOf } from '../../common/http/request-context';
import { bearerChallenge } from './bearer-challenge';

/** @Scopes(...): the token must carry every listed scope (RFC 6750 §3.1 insufficient_scope). */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly events: EventBus,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride(RequiredScopes, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const req = context.switchToHttp().getRequest<BearerRequest>();
    requireScopes(this.events, req, required);
    return true;
  }
}

type BearerRequest = FastifyRequest & { user?: AuthenticatedClient };

/**
 * Throws 403 insufficient_scope (with its challenge, after an access.denied event) unless the
 * authenticated token carries every required scope. Shared with guards whose scope is configured.
 */
export function requireScopes(events: EventBus, req: BearerRequest, required: string[]): void {
  const granted = req.user?.scopes ?? [];
  const missing = required.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return;
  const reason = `token lacks scope: ${missing.join(' ')}`;
  const meta = requestMetaOf(req);
  events.emit('access.denied', {
    ...meta,
    request: meta,
    clientId: req.user?.clientId,
    code: 'insufficient_scope',
    reason,
  });
  throw new InsufficientScopeError(reason).withHeader(
    'WWW-Authenticate',
    bearerChallenge({
      error: 'insufficient_scope',
      error_description: reason,
      scope: required.join(' '),
    }),
  );
}
