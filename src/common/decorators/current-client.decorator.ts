import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedClient } from '../auth/authenticated-client';

/** The caller behind the bearer token, as the JWT strategy put it on the request. */
export const CurrentClient = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedClient =>
    ctx.switchToHttp().getRequest<{ user: AuthenticatedClient }>().user,
);
