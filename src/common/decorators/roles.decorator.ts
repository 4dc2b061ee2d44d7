import { Reflector } from '@nestjs/core';

export const RequiredRoles = Reflector.createDecorator<string[]>();

/** The calling client's role must be one of these. */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator => RequiredRoles(roles);
