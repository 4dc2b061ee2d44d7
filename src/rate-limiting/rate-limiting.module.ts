import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ThrottlerModule } from '@nestjs/throttler';
import { RuntimeConfigService } from '../config/runtime-config.service';
import { QuotaReservationStorage } from './quota-reservation.storage';
import { rateLimitTracker } from './rate-limit-key';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitRepository } from './rate-limit.repository';
import { RateLimit, RateLimitSchema } from './schemas/rate-limit.schema';

/** The seed's limit is per minute; the window is fixed and aligned to the epoch. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

@Module({
  imports: [
    MongooseModule.forFeature([{ name: RateLimit.name, schema: RateLimitSchema }]),
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
        getTracker: (req) => rateLimitTracker(req as Parameters<typeof rateLimitTracker>[0]),
        // One counter per client and IP across all routes, as in the seed.
        generateKey: (_context, tracker) => tracker,
      }),
    }),
  ],
  providers: [
    RateLimitRepository,
    QuotaReservationStorage,
    // First global guard (this module is imported before auth): refused calls count too.
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class RateLimitingModule {}
