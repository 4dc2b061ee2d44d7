import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type ResponseObserver = (req: FastifyRequest, reply: FastifyReply) => void;

/** Per Fastify instance, the observers its one onResponse hook calls. */
const observers = new WeakMap<FastifyInstance, ResponseObserver[]>();

/**
 * Runs `observe` once per answered request, at the Fastify level (onResponse), so refusals by
 * guards, body-parser errors and 404s are seen too. No-op in a CLI application context. Every
 * observer (access log, metrics) shares one Fastify hook: each extra hook is one more step of
 * Fastify's hook runner on every request.
 */
export function onEveryResponse(adapterHost: HttpAdapterHost, observe: ResponseObserver): void {
  const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
  if (!fastify || typeof fastify.addHook !== 'function') return;
  const list = observers.get(fastify);
  if (list) {
    list.push(observe);
    return;
  }
  const registered = [observe];
  observers.set(fastify, registered);
  fastify.addHook('onResponse', (req, reply, done) => {
    for (const run of registered) run(req, reply);
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
