import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../common/events';
import { MetricsService } from './metrics.service';

/** Counts what the domain events report; never reads the database. */
@Injectable()
export class MetricsListener {
  constructor(private readonly metrics: MetricsService) {}

  @OnEvent('token.issued')
  onIssued(event: DomainEvents['token.issued']): void {
    this.metrics.tokenIssued(event.clientId, event.grantType);
  }

  /** The client is known (authenticated or holding a valid token) for these two. */
  @OnEvent('token.denied')
  @OnEvent('access.denied')
  onDenied(event: DomainEvents['token.denied']): void {
    this.metrics.tokenDenied(event.clientId, event.code);
  }

  /**
   * A failed authentication or an unverifiable token names a client nobody vouched for: counting
   * it by that name would let anyone create label values, so it is "unknown".
   */
  @OnEvent('client.authentication_failed')
  @OnEvent('token.invalid')
  onUnverified(event: DomainEvents['token.invalid']): void {
    this.metrics.tokenDenied(undefined, event.code);
  }

  @OnEvent('rate_limit.exceeded')
  onRateLimited(): void {
    this.metrics.rateLimitExceeded();
  }
}
