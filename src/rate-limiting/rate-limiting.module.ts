import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ThrottlerModule } from '@nestjs/throttler';
import { RuntimeConfigService } from '../config/runtime-config.service';
import { FailedAuthLimiter } from './failed-auth.limiter';
import { LiveInstancesService } from './live-instances.service';
import { QuotaReservationStorage } from './quota-reservation.storage';
import { RATE_LIMIT_WINDOW_MS } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitRepository } from './rate-limit.repository';
import { RateLimitInstance, RateLimitInstanceSchema } from './schemas/rate-limit-instance.schema';
import { RateLimit, RateLimitSchema } from './schemas/rate-limit.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: RateLimit.name, schema: RateLimitSchema },
      { name: RateLimitInstance.name, schema: RateLimitInstanceSchema },
    ]),
    ThrottlerModule.forRootAsync({
      inject: [RuntimeConfigService],
      useFactory: (runtime: RuntimeConfigService) => ({
        throttlers: [
          {
            name: 'default',
            ttl: RATE_LIMIT_WINDOW_MS,
            // Read per request: an admin can change the limit at runtime.
            limit: () => runtime.current.maxRequestsPerMinute,
          },
        ],
      }),
    }),
  ],
  providers: [
    RateLimitRepository,
    LiveInstancesService,
    QuotaReservationStorage,
    FailedAuthLimiter,
    // First global guard (this module is imported before auth): refused calls count too.
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [FailedAuthLimiter],
})
export class RateLimitingModule {}
