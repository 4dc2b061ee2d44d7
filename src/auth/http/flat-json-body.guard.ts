import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../common/errors/oauth-errors';

/**
 * The seed's JSON endpoints take one flat object of scalar fields. Anything nested is refused here,
 * before validation: class-transformer recurses into whatever it is given, and a body nested ten
 * thousand levels deep would exhaust the stack (a 500) instead of being a plain 400.
 */
@Injectable()
export class FlatJsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidRequestError('the request body must be a JSON object');
    }
    for (const [name, value] of Object.entries(body)) {
      if (value !== null && typeof value === 'object') {
        throw new InvalidRequestError(`${name.slice(0, 64)} must be a string`);
      }
    }
    return true;
  }
}
