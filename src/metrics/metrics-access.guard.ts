import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { JwtAuthGuard } from '../auth/guards/jwt-auth.guard';
import { requireScopes } from '../auth/guards/scopes.guard';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import { EventBus } from '../common/events';
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
    requireScopes(this.events, context.switchToHttp().getRequest(), [scope]);
    return true;
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
