import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../common/errors/oauth-errors';
import { assertNoDuplicateParameters } from '../scope';

/**
 * RFC 8707 `resource` and RFC 8693 `audience` may each repeat (several targets); every other
 * OAuth parameter must appear at most once.
 */
const REPEATABLE = ['resource', 'audience'];
const FORM = 'application/x-www-form-urlencoded';

/**
 * RFC 6749 §3.2 / RFC 7009 §2.1 / RFC 7662 §2.1: these endpoints take form-encoded bodies only,
 * and a repeated parameter is an invalid_request (checked here because validation would only
 * say "must be a string").
 */
@Injectable()
export class FormRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers['content-type'];
    // What clients send; anything else (parameters, case, spaces) is parsed.
    const contentType = header === FORM ? FORM : (header ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== FORM) {
      throw new InvalidRequestError('the request body must be application/x-www-form-urlencoded');
    }
    assertNoDuplicateParameters(req.body, REPEATABLE);
    return true;
  }
}
