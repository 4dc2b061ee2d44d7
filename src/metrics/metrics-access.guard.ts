import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { bearerChallenge } from '../auth/guards/bearer-challenge';
import { JwtAuthGuard } from '../auth/guards/jwt-auth.guard';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import { InsufficientScopeError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { requestContext } from '../common/http/request-info';
import { AppConfig } from '../config/app-config.service';

/**
 * /metrics is @Public() unless METRICS_SCOPE is set; then it takes a bearer token with that
 * scope. The token goes through the same passport strategy and the same refusals (bodies,
 * challenges, events) as every protected route: only the scope comes from configuration rather
 * than from a decorator.
 */
@Injectable()
export class MetricsAccessGuard extends AuthGuard('jwt') {
  private readonly bearer: JwtAuthGuard;

  constructor(
    private readonly config: AppConfig,
    private readonly events: EventBus,
    reflector: Reflector,
  ) {
    super();
    this.bearer = new JwtAuthGuard(reflector, events);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.config.metricsScope;
    if (scope === undefined) return true;
    await super.canActivate(context);
    const req = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedClient }>();
    if (req.user?.scopes.includes(scope)) return true;
    const reason = `token lacks scope: ${scope}`;
    this.events.emit('access.denied', {
      ...requestContext(req),
      clientId: req.user?.clientId,
      endpoint: req.routeOptions?.url ?? req.url,
      code: 'insufficient_scope',
      reason,
    });
    throw new InsufficientScopeError(reason).withHeader(
      'WWW-Authenticate',
      bearerChallenge({ error: 'insufficient_scope', error_description: reason, scope }),
    );
  }

  override handleRequest<TUser = AuthenticatedClient>(
    err: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    return this.bearer.handleRequest(err, user, info, context);
  }
}
