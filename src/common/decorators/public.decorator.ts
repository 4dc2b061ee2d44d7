import { Reflector } from '@nestjs/core';

/** Opts a route (or controller) out of the default-deny bearer-token guard. */
export const Public = Reflector.createDecorator<void, true>({ transform: () => true });
