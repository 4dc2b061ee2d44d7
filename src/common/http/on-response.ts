import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Runs `observe` once per answered request, at the Fastify level (onResponse), so refusals by
 * guards, body-parser errors and 404s are seen too. No-op in a CLI application context.
 */
export function onEveryResponse(
  adapterHost: HttpAdapterHost,
  observe: (req: FastifyRequest, reply: FastifyReply) => void,
): void {
  const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
  if (!fastify || typeof fastify.addHook !== 'function') return;
  fastify.addHook('onResponse', (req, reply, done) => {
    observe(req, reply);
    done();
  });
}

/**
 * Runs `observe` once per reply, when it is about to be sent (onSend): unlike onResponse it also
 * runs for a request whose client has already gone, so what the request decided is never lost.
 */
export function beforeEveryReply(
  adapterHost: HttpAdapterHost,
  observe: (req: FastifyRequest) => void,
): void {
  const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
  if (!fastify || typeof fastify.addHook !== 'function') return;
  fastify.addHook('onSend', (req, _reply, payload, done) => {
    observe(req);
    done(null, payload);
  });
}
