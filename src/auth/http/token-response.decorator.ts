import { applyDecorators, Header, HttpCode } from '@nestjs/common';

/** RFC 6749 §5.1: a response carrying tokens is 200 and must never be cached. */
export const TokenResponse = (): MethodDecorator =>
  applyDecorators(HttpCode(200), Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
