import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { onEveryResponse } from '../common/http/on-response';
import { isQuietPath, levelFor } from './logger-params';

/**
 * One access line per request, written from Fastify's onResponse hook. nestjs-pino's own
 * per-request middleware (pino-http plus an AsyncLocalStorage context) is switched off in
 * logger-params: measured on /protected it cost more CPU than the request itself, because
 * AsyncLocalStorage taxes every promise. So the request id is passed explicitly where a line
 * concerns a request (this line, 5xx errors, request-path warnings).
 */
@Injectable()
export class AccessLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    onEveryResponse(this.adapterHost, (req, reply) => this.write(req, reply));
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
