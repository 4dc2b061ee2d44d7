import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { isQuietPath, levelFor } from './logger-params';

/**
 * One access line per request, written from Fastify's onResponse hook. nestjs-pino's own
 * per-request middleware (pino-http plus an AsyncLocalStorage context) is switched off in
 * logger-params: measured on /protected it cost more CPU than the request itself, because
 * AsyncLocalStorage taxes every promise. Lines logged inside a handler therefore carry no request
 * id of their own; the access line does, and X-Request-Id ties it to the client.
 */
@Injectable()
export class AccessLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onResponse', (req, reply, done) => {
      this.write(req, reply);
      done();
    });
  }

  private write(req: FastifyRequest, reply: FastifyReply): void {
    const level = levelFor(reply.statusCode);
    const root = this.logger.logger;
    if (!root.isLevelEnabled(level) || isQuietPath(req.url)) return;
    root[level](
      {
        req: {
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.ip,
          headers: req.headers,
        },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  }
}
