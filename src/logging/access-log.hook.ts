import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { onEveryResponse } from '../common/http/on-response';
import { isQuietPath, levelFor, scrubUrl } from './logger-params';

const asIs = <T>(value: T): T => value;

/**
 * One access line per request, written from Fastify's onResponse hook. nestjs-pino's own
 * per-request middleware (pino-http plus an AsyncLocalStorage context) is switched off in
 * logger-params: measured on /protected it cost more CPU than the request itself, because
 * AsyncLocalStorage taxes every promise. So the request id is passed explicitly where a line
 * concerns a request (this line, 5xx errors, request-path warnings).
 *
 * The line is built here from the few fields it shows, already in their logged form (the URL's
 * credential parameters censored, no headers but the user agent), so it goes through a child
 * logger without the root's redaction, secret scrubbing and request serializer: those exist for
 * objects logged by hand, and cost more than the line itself. The output is the same.
 */
@Injectable()
export class AccessLogHook implements OnModuleInit {
  private access?: Logger;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    this.access = this.logger.logger.child(
      {},
      { redact: { paths: [] }, formatters: { log: asIs }, serializers: { req: asIs, res: asIs } },
    );
    onEveryResponse(this.adapterHost, (req, reply) => this.write(req, reply));
  }

  private write(req: FastifyRequest, reply: FastifyReply): void {
    const access = this.access;
    const level = levelFor(reply.statusCode);
    if (!access?.isLevelEnabled(level) || isQuietPath(req.url)) return;
    access[level](
      {
        req: {
          id: req.id,
          method: req.method,
          url: scrubUrl(req.url),
          remoteAddress: req.ip,
          userAgent: req.headers['user-agent'],
        },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  }
}
