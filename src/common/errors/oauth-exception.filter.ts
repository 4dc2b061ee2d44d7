import { ArgumentsHost, Catch, ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventBus } from '../events';
import {
  challengeHeaders,
  claimedClientId,
  clientAuthSchemeOf,
  requestMetaOf,
} from '../http/request-context';
import { logInternalError, renderError, toOAuthError } from './error-response';
import type { OAuthError } from './oauth-errors';

/**
 * The one place errors become responses. 5xx details are logged, never returned; an error's
 * private detail goes to the log (debug) and the audit trail only. On the authorization server's
 * endpoints every refusal, including validation and body errors, is also a 'token.denied' event
 * with its RFC code (for metrics and audit).
 */
@Catch()
@Injectable()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(private readonly events: EventBus) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest | undefined>();
    const reply = http.getResponse<FastifyReply>();
    const { error, internal } = toOAuthError(exception);
    if (internal) logInternalError(this.logger, exception, req?.id);
    else if (error.detail !== undefined) {
      this.logger.debug({ req: { id: req?.id } }, `${error.error}: ${error.detail}`);
    }
    if (req && clientAuthSchemeOf(req) !== undefined) this.emitDenied(error, req);
    const { status, headers, body } = renderError(error);
    void reply
      .status(status)
      .headers(req ? { ...headers, ...challengeHeaders(error, req) } : headers)
      .send(body);
  }

  private emitDenied(error: OAuthError, req: FastifyRequest): void {
    const meta = requestMetaOf(req);
    this.events.emit('token.denied', {
      code: error.error,
      endpoint: meta.endpoint,
      clientId: claimedClientId(req, false),
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      reason: error.detail ?? error.description,
    });
  }
}
