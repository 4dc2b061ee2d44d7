import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../../common/auth/authenticated-client';
import { RequiredRoles } from '../../common/decorators';
import { AccessDeniedError } from '../../common/errors/oauth-errors';
import { EventBus } from '../../common/events';
import { requestMetaOf } from '../../common/http/request-context';

/** @Roles(...): the calling client's role must be one of the listed ones. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly events: EventBus,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride(RequiredRoles, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed?.length) return true;
    const req = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedClient }>();
    const role = req.user?.role;
    if (role !== undefined && allowed.includes(role)) return true;
    const reason = `client role is not allowed here (requires ${allowed.join(' or ')})`;
    const meta = requestMetaOf(req);
    this.events.emit('access.denied', {
      ...meta,
      request: meta,
      clientId: req.user?.clientId,
      code: 'access_denied',
      reason,
    });
    throw new AccessDeniedError(reason);
  }
}
