import type { FastifyRequest } from 'fastify';

/** Fastify resolves `ip` through X-Forwarded-For only when TRUST_PROXY says so. */
export const clientIp = (req: FastifyRequest): string => req.ip;

export const requestId = (req: FastifyRequest): string => String(req.id);

/** The audit context of a request, for event payloads. */
export const requestContext = (req: FastifyRequest): { ip: string; requestId: string } => ({
  ip: clientIp(req),
  requestId: requestId(req),
});
