import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { renderError, toOAuthError } from './error-response';

/** The one place errors become responses. 5xx details are logged, never returned. */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { error, internal } = toOAuthError(exception);
    if (internal) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    const { status, headers, body } = renderError(error);
    void reply.status(status).headers(headers).send(body);
  }
}
