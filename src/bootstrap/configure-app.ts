import { HttpAdapterHost } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyHttpOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { beforeEveryReply } from '../common/http/on-response';
import { FastValidationPipe } from '../common/validation/fast-validation.pipe';
import { AppConfig } from '../config/app-config.service';
import { securityHeaders } from './security-headers';
import { clientErrorHandler, frameworkErrors, rejectDeepBodies } from './transport-errors';

/** Options that must exist before Nest does: proxy trust, body limit, request ids, timeouts. */
export function fastifyOptions(config: AppConfig): FastifyHttpOptions<Server> {
  const { requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  return {
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // Fastify's default of 0 lets a client trickle a body for ever. The header timeout is the same
    // budget, and Node checks for expired requests often enough for the budget to hold.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, Math.ceil(requestTimeoutMs / 4)),
    },
    // An incoming X-Request-Id is kept only if it looks like an id, so logs cannot be forged.
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
    },
    requestIdHeader: false,
    logger: false,
    clientErrorHandler,
    frameworkErrors,
  };
}

export function configureApp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const config = app.get(AppConfig);
  app.getHttpServer().maxConnections = config.http.maxConnections;

  // Lower-cased once, as Fastify stores header names: it then has nothing to convert per reply.
  const headers = Object.fromEntries(
    Object.entries(securityHeaders(config.hstsMaxAgeSeconds)).map(([k, v]) => [k.toLowerCase(), v]),
  );

  // Body-parser errors need no handler of ours: Nest routes Fastify's errors through the global filter.
  fastify.addHook('preValidation', rejectDeepBodies);
  // Every reply (routes, Swagger UI's files, 404s, errors) passes here once, in the one onSend
  // hook that the audit outcome shares: the request id and the security headers.
  beforeEveryReply(app.get(HttpAdapterHost), (req, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', String(req.id));
  });

  app.useGlobalPipes(
    new FastValidationPipe({
      whitelist: true,
      transform: true,
      // A MongoDB operator object where a string belongs is a type error, not a query.
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    }),
  );
  app.enableShutdownHooks();
  setupSwagger(app);
}

function setupSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('OAuth2 M2M authorization server')
      .setDescription(
        'Machine-to-machine OAuth2: client credentials, refresh rotation, revocation, introspection. ' +
          'Click "Authorize", use the oauth2 client-credentials flow with a client id and secret, then try /protected.',
      )
      .setVersion('1.0.0')
      .addOAuth2(
        {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: '/oauth/token',
              scopes: { read: 'read', write: 'write', admin: 'admin' },
            },
          },
        },
        'oauth2',
      )
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    // No online-validator badge: it would send this server's URL to validator.swagger.io, an
    // image the CSP refuses anyway.
    swaggerOptions: { persistAuthorization: true, validatorUrl: null },
    jsonDocumentUrl: 'docs/json',
  });
}
