import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logInternalError, renderError, toOAuthError } from './error-response';

/** The one place errors become responses. 5xx details are logged, never returned. */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const { error, internal } = toOAuthError(exception);
    if (internal) logInternalError(this.logger, exception, http.getRequest<FastifyRequest>()?.id);
    const { status, headers, body } = renderError(error);
    void reply.status(status).headers(headers).send(body);
  }
}
