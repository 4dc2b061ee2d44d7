import { ArgumentsHost, Catch, ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logInternalError, renderError, toOAuthError } from '../../common/errors/error-response';
import { EventBus } from '../../common/events';
import { parseBasicAuthorization } from '../client-authenticator.service';
import { requestMetaOf } from './request-meta.decorator';

/** The client a failed request claimed to be: unverified, but what an operator wants to see. */
function claimedClientId(req: FastifyRequest): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  for (const field of ['client_id', 'username']) {
    const value = body?.[field];
    if (typeof value === 'string' && value.length <= 256) return value;
  }
  try {
    return parseBasicAuthorization(req.headers.authorization)?.clientId;
  } catch {
    return undefined;
  }
}

/**
 * On the authorization server's endpoints every refusal, including validation and body errors
 * that never reach the pipeline, is also a 'token.denied' event with its RFC code (for metrics
 * and audit). Rendering is the global format.
 */
@Catch()
@Injectable()
export class TokenEndpointFilter implements ExceptionFilter {
  private readonly logger = new Logger('TokenEndpoint');

  constructor(private readonly events: EventBus) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { error, internal } = toOAuthError(exception);
    if (internal) logInternalError(this.logger, exception, req.id);
    const meta = requestMetaOf(req);
    this.events.emit('token.denied', {
      code: error.error,
      endpoint: meta.endpoint,
      clientId: claimedClientId(req),
      ip: meta.ip,
      requestId: meta.requestId,
      reason: error.description,
    });
    const { status, headers, body } = renderError(error);
    void reply.status(status).headers(headers).send(body);
  }
}
