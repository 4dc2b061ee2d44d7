import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import { requestMetaOf, type RequestMeta } from '../common/http/request-context';

/** The audit context of an admin call: where it came from and which admin client made it. */
export const AdminRequestMeta = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): RequestMeta => {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedClient }>();
    return {
      ...requestMetaOf(req),
      ...(req.user?.clientId && { actor: `admin ${req.user.clientId}` }),
    };
  },
);
