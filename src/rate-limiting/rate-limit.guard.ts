import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../common/decorators';
import { RateLimitExceededError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { claimedClientId, requestMetaOf } from '../common/http/request-context';
import { QuotaReservationStorage } from './quota-reservation.storage';

/** The counter of requests that name no client (the FastAPI service's `/refresh`, discovery). */
export const ANONYMOUS = '-';

/**
 * `<client>:<ip>`. The client part is percent-encoded so a crafted id containing ':' cannot make
 * its key collide with another client's at another address (IPv6 addresses contain ':'). A lone
 * surrogate would make encodeURIComponent throw, so the id is made well-formed first.
 */
export const rateLimitKey = (clientId: string | undefined, ip: string): string =>
  `${clientId === undefined ? ANONYMOUS : encodeClientId(clientId)}:${ip}`;

/** What encodeURIComponent leaves as it is: such an id (every generated one) needs no encoding. */
const UNRESERVED = /^[\w.!~*'()-]*$/;

const encodeClientId = (clientId: string): string =>
  UNRESERVED.test(clientId) ? clientId : encodeURIComponent(clientId.toWellFormed());

/**
 * @nestjs/throttler's guard over the shared-database storage, keyed by the client the request
 * will be authenticated as (one counter per client and IP across all routes, as in the FastAPI
 * service), answering in the service's error format and auditing every refusal.
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

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http');
  }

  /** The address alone; the client part is added by generateKey, which knows the route. */
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(typeof req.ip === 'string' ? req.ip : 'unknown');
  }

  protected override generateKey(context: ExecutionContext, ip: string): string {
    return rateLimitKey(this.claimedClient(context), ip);
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const claimed = this.claimedClient(context);
    const meta = requestMetaOf(req);
    this.events.emit('rate_limit.exceeded', {
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      ...(claimed !== undefined && { clientId: claimed }),
      reason: `more than ${detail.limit} requests per minute from this client and IP`,
    });
    throw new RateLimitExceededError(
      `Rate limit exceeded: at most ${detail.limit} requests per minute; retry after ${detail.timeToBlockExpire} s`,
      { headers: { 'Retry-After': String(detail.timeToBlockExpire) } },
    );
  }

  private claimedClient(context: ExecutionContext): string | undefined {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    return claimedClientId(req, !this.isPublic(context));
  }

  /** Route metadata never changes once the app runs: read once per handler. */
  private readonly publicHandlers = new WeakMap<object, boolean>();

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let isPublic = this.publicHandlers.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride(Public, [handler, context.getClass()]) === true;
      this.publicHandlers.set(handler, isPublic);
    }
    return isPublic;
  }
}
