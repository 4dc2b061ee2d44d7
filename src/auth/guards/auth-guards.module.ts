import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DpopModule } from '../../dpop/dpop.module';
import { TokensModule } from '../../tokens/tokens.module';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { LegacyJwtStrategy } from '../strategies/legacy-jwt.strategy';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';
import { ScopesGuard } from './scopes.guard';

/**
 * Resource-server side of the app: the passport-jwt strategies and the global guards, in order
 * (authentication, then scopes, then roles). Imported by AppModule right after rate limiting.
 */
@Module({
  imports: [PassportModule.register({ session: false }), TokensModule, DpopModule],
  providers: [
    JwtStrategy,
    LegacyJwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: ScopesGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthGuardsModule {}
