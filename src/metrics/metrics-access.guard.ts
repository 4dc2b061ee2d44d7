import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtAuthGuard } from '../auth/guards/jwt-auth.guard';
import { requireScopes } from '../auth/guards/scopes.guard';
import { EventBus } from '../common/events';
import { AppConfig } from '../config/app-config.service';
import { DpopService } from '../dpop/dpop.service';
import { AccessTokenService } from '../tokens/access-token.service';

/**
 * /metrics is @Public() unless METRICS_SCOPE is set; then it takes a bearer token with that
 * scope. The token goes through the global bearer guard's own check (same strategies, bodies,
 * challenges and events as every protected route): only the scope comes from configuration
 * rather than from a decorator.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly bearer: JwtAuthGuard;

  constructor(
    private readonly config: AppConfig,
    private readonly events: EventBus,
    reflector: Reflector,
    accessTokens: AccessTokenService,
    dpop: DpopService,
  ) {
    this.bearer = new JwtAuthGuard(reflector, events, accessTokens, config, dpop);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.config.metricsScope;
    if (scope === undefined) return true;
    await this.bearer.authenticate(context);
    requireScopes(this.events, context.switchToHttp().getRequest(), [scope]);
    return true;
  }
}
