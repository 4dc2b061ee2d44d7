import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../../clients/clients.types';
import { requestContext } from '../../common/http/request-info';

export const requestMetaOf = (req: FastifyRequest): RequestMeta => ({
  ...requestContext(req),
  endpoint: req.routeOptions?.url ?? req.url,
});

/** Who is asking, for events and audit: ip, request id and the route. */
export const Meta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta =>
  requestMetaOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
