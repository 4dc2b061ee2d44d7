import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthGuardsModule } from './auth/guards/auth-guards.module';
import { AuthModule } from './auth/auth.module';
import { ClientsModule } from './clients/clients.module';
import { OAuthExceptionFilter } from './common/errors/oauth-exception.filter';
import { EventsModule } from './common/events/events.module';
import { ConfigModule } from './config/config.module';
import { RuntimeConfigModule } from './config/runtime-config.module';
import { DatabaseModule } from './database/database.module';
import { ExamplesModule } from './examples/examples.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitingModule } from './rate-limiting/rate-limiting.module';
import { TokensModule } from './tokens/tokens.module';

/**
 * Wiring only. Global guards are registered by their own modules, in this order of imports:
 * rate limiting first (it must count rejected calls too), then authentication, then scopes/roles.
 */
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    EventsModule,
    DatabaseModule,
    RuntimeConfigModule,
    MetricsModule,
    AuditModule,
    RateLimitingModule,
    AuthGuardsModule,
    ClientsModule,
    TokensModule,
    AuthModule,
    HealthModule,
    ExamplesModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: OAuthExceptionFilter }],
})
export class AppModule {}
