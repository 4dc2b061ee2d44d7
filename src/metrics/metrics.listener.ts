import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvents } from '../common/events';
import { MAX_LABEL_VALUES, MetricsService } from './metrics.service';

/**
 * Counts what the domain events report; never reads the database.
 *
 * Denials are counted once per refused request: 'token.denied' (token, revoke and introspection
 * endpoints, including authentication failures there), 'access.denied' and 'token.invalid'
 * (protected routes). The client label only ever holds a client id this instance has seen
 * authenticate: a refusal names the client the caller *claims* to be, and counting by that name
 * would let anyone mint label values.
 */
@Injectable()
export class MetricsListener {
  private readonly verified = new Set<string>();

  constructor(private readonly metrics: MetricsService) {}

  @OnEvent('client.authenticated')
  onAuthenticated(event: DomainEvents['client.authenticated']): void {
    if (event.clientId && this.verified.size < MAX_LABEL_VALUES) this.verified.add(event.clientId);
  }

  @OnEvent('token.issued')
  onIssued(event: DomainEvents['token.issued']): void {
    this.metrics.tokenIssued(event.clientId, event.grantType);
  }

  @OnEvent('token.denied')
  onTokenDenied(event: DomainEvents['token.denied']): void {
    const known = event.clientId !== undefined && this.verified.has(event.clientId);
    this.metrics.tokenDenied(known ? event.clientId : undefined, event.code);
  }

  /** The client here comes from a token whose signature was verified. */
  @OnEvent('access.denied')
  onAccessDenied(event: DomainEvents['access.denied']): void {
    this.metrics.tokenDenied(event.clientId, event.code);
  }

  @OnEvent('token.invalid')
  onInvalidToken(event: DomainEvents['token.invalid']): void {
    this.metrics.tokenDenied(undefined, event.code);
  }

  @OnEvent('client.authentication_failed')
  onAuthenticationFailed(): void {
    this.metrics.clientAuthenticationFailed();
  }

  @OnEvent('rate_limit.exceeded')
  onRateLimited(): void {
    this.metrics.rateLimitExceeded();
  }
}
