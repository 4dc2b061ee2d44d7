import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { RateLimitExceededError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { requestContext } from '../common/http/request-info';
import { claimedClientId } from './rate-limit-key';
import { QuotaReservationStorage } from './quota-reservation.storage';

/**
 * @nestjs/throttler's guard over the shared-database storage, answering in the service's error
 * format and auditing every refusal.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    // Explicit: the parent's @InjectThrottlerStorage() metadata is inherited and would otherwise
    // win, silently swapping in @nestjs/throttler's per-process in-memory storage.
    @Inject(QuotaReservationStorage) storage: QuotaReservationStorage,
    reflector: Reflector,
    private readonly events: EventBus,
  ) {
    super(options, storage, reflector);
  }

  /** Per handler: whether it or its controller carries any @nestjs/throttler decorator. */
  private readonly decorated = new WeakMap<object, boolean>();

  /**
   * The parent resolves six decorator lookups per throttler on every request. Routes without any
   * throttler decorator (all but health and metrics) skip that and go straight to the parent's
   * handleRequest with the module's throttler; decorated routes take the parent's full path.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const [throttler] = this.throttlers;
    if (this.throttlers.length !== 1 || this.isDecorated(context))
      return super.canActivate(context);
    const { limit, ttl } = throttler;
    const window = typeof ttl === 'function' ? await ttl(context) : ttl;
    return this.handleRequest({
      context,
      limit: typeof limit === 'function' ? await limit(context) : limit,
      ttl: window,
      blockDuration: window,
      throttler,
      getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
      generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
    });
  }

  private isDecorated(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let decorated = this.decorated.get(handler);
    if (decorated === undefined) {
      const targets = [handler, context.getClass()];
      decorated = targets.some((t) =>
        Reflect.getMetadataKeys(t).some((k) => String(k).startsWith('THROTTLER:')),
      );
      this.decorated.set(handler, decorated);
    }
    return decorated;
  }

  protected shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http');
  }

  protected throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const claimed = claimedClientId(req);
    this.events.emit('rate_limit.exceeded', {
      ...requestContext(req),
      ...(claimed !== undefined && { clientId: claimed }),
      reason: `more than ${detail.limit} requests per minute from this client and IP`,
    });
    throw new RateLimitExceededError(
      `Rate limit exceeded: at most ${detail.limit} requests per minute; retry after ${detail.timeToBlockExpire} s`,
    ).withHeader('Retry-After', String(detail.timeToBlockExpire));
  }
}
