import { applyDecorators, Header } from '@nestjs/common';
import { NO_STORE_HEADERS } from '../errors/error-response';

/** A response that carries a secret or a token: no cache, shared or private, may keep it. */
export const NoStore = (): MethodDecorator =>
  applyDecorators(...Object.entries(NO_STORE_HEADERS).map(([name, value]) => Header(name, value)));
