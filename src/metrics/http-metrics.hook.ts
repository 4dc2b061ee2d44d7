import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { onEveryResponse } from '../common/http/on-response';
import { MetricsService } from './metrics.service';

/**
 * Times every request at the Fastify level (onResponse), so refusals by guards, body-parser
 * errors and 404s are measured too — an interceptor would only see requests that reach a handler.
 * The route label is Fastify's route template (`/admin/clients/:id`), never the raw URL.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    onEveryResponse(this.adapterHost, (req, reply) =>
      this.metrics.observeRequest(
        req.method,
        req.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime / 1000,
      ),
    );
  }
}
