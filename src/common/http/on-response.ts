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

type ReplyObserver = (req: FastifyRequest, reply: FastifyReply) => void;

/** Per Fastify instance, the observers its one onSend hook calls. */
const replyObservers = new WeakMap<FastifyInstance, ReplyObserver[]>();

/**
 * Runs `observe` once per reply, when it is about to be sent (onSend): unlike onResponse it also
 * runs for a request whose client has already gone, so what the request decided is never lost.
 * Every reply observer (security headers, the audit outcome) shares one Fastify hook.
 */
export function beforeEveryReply(
  target: HttpAdapterHost | FastifyInstance,
  observe: ReplyObserver,
): void {
  const fastify =
    'httpAdapter' in target ? target.httpAdapter?.getInstance<FastifyInstance>() : target;
  if (!fastify || typeof fastify.addHook !== 'function') return;
  const list = replyObservers.get(fastify);
  if (list) {
    list.push(observe);
    return;
  }
  const registered = [observe];
  replyObservers.set(fastify, registered);
  fastify.addHook('onSend', (req, reply, payload, done) => {
    for (const run of registered) run(req, reply);
    done(null, payload);
  });
}
