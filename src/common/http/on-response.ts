import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Observer = (req: FastifyRequest, reply: FastifyReply) => void;
type Hook = 'onResponse' | 'onSend';

/** Per Fastify instance and hook, the observers its one hook calls. */
const observers = new WeakMap<FastifyInstance, Partial<Record<Hook, Observer[]>>>();

/**
 * Each extra Fastify hook is one more step of its hook runner on every request, so every observer
 * of a hook shares one registration. No-op in a CLI application context (no Fastify instance).
 */
function observe(adapterHost: HttpAdapterHost, hook: Hook, run: Observer): void {
  const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
  if (!fastify || typeof fastify.addHook !== 'function') return;
  let byHook = observers.get(fastify);
  if (!byHook) observers.set(fastify, (byHook = {}));
  const list = byHook[hook];
  if (list) {
    list.push(run);
    return;
  }
  const registered = (byHook[hook] = [run]);
  if (hook === 'onResponse') {
    fastify.addHook('onResponse', (req, reply, done) => {
      for (const each of registered) each(req, reply);
      done();
    });
  } else {
    fastify.addHook('onSend', (req, reply, payload, done) => {
      for (const each of registered) each(req, reply);
      done(null, payload);
    });
  }
}

/**
 * Runs `run` once per answered request, at the Fastify level (onResponse), so refusals by guards,
 * body-parser errors and 404s are seen too: the access log and metrics.
 */
export function onEveryResponse(adapterHost: HttpAdapterHost, run: Observer): void {
  observe(adapterHost, 'onResponse', run);
}

/**
 * Runs `run` once per reply, when it is about to be sent (onSend): unlike onResponse it also runs
 * for a request whose client has already gone, so what the request decided is never lost. The
 * security headers and the audit outcome.
 */
export function beforeEveryReply(adapterHost: HttpAdapterHost, run: Observer): void {
  observe(adapterHost, 'onSend', run);
}
