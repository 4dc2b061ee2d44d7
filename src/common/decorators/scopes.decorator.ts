import { Reflector } from '@nestjs/core';

/** Metadata key; read with `reflector.getAllAndOverride(RequiredScopes, [handler, class])`. */
export const RequiredScopes = Reflector.createDecorator<string[]>();

/** The token must carry every one of these scopes. */
export const Scopes = (...scopes: string[]): MethodDecorator & ClassDecorator =>
  RequiredScopes(scopes);
