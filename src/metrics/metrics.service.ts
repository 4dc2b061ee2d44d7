import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { AppConfig } from '../config/app-config.service';

/** Label values that cannot be trusted to stay few are folded into these. */
export const UNKNOWN = 'unknown';
export const OTHER = 'other';
/** Distinct client ids (and reasons) per label before new ones are reported as "other". */
export const MAX_LABEL_VALUES = 1_000;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Keeps a label's set of values bounded, whoever controls the input. */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: string | undefined): string {
    if (raw === undefined || raw === '') return UNKNOWN;
    const value = raw.slice(0, 128);
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}

/**
 * The Prometheus registry. One per application instance (not prom-client's global one), so
 * several apps in one process — tests, the scale-out run — never collide on metric names.
 *
 * The token counters carry a client_id label only with METRICS_CLIENT_LABEL: otherwise the
 * endpoint would list every client that authenticates. With it, each client adds up to one
 * series per grant type and per refusal reason, and the label holds at most MAX_LABEL_VALUES
 * distinct ids (later ones count as "other").
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly clients = new BoundedLabel(MAX_LABEL_VALUES);
  private readonly reasons = new BoundedLabel(100);
  private readonly byClient: boolean;
  private readonly issued: Counter<'client_id' | 'grant_type'>;
  private readonly denied: Counter<'client_id' | 'reason'>;
  private readonly authFailures = new Counter({
    name: 'oauth_client_authentication_failures_total',
    help: 'Failed client authentications (wrong secret, unknown client, bad assertion)',
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'rate_limit_exceeded_total',
    help: 'Requests refused by the rate limiter',
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(config: AppConfig) {
    this.byClient = config.metricsClientLabel;
    const client = this.byClient ? (['client_id'] as const) : ([] as const);
    this.issued = new Counter({
      name: 'oauth_tokens_issued_total',
      help: this.byClient
        ? 'Access tokens issued, by client and grant type'
        : 'Access tokens issued, by grant type',
      labelNames: [...client, 'grant_type'],
      registers: [this.registry],
    });
    this.denied = new Counter({
      name: 'oauth_tokens_denied_total',
      help: this.byClient
        ? 'Token requests and bearer tokens refused, by client and reason (OAuth error code)'
        : 'Token requests and bearer tokens refused, by reason (OAuth error code)',
      labelNames: [...client, 'reason'],
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  tokenIssued(clientId: string, grantType: string): void {
    this.issued.inc({
      ...this.clientLabel(clientId),
      grant_type: this.reasons.value(grantType),
    });
  }

  /** `clientId` undefined when the caller's identity is not established (failed authentication). */
  tokenDenied(clientId: string | undefined, reason: string): void {
    this.denied.inc({
      ...this.clientLabel(clientId),
      reason: this.reasons.value(reason),
    });
  }

  private clientLabel(clientId: string | undefined): { client_id?: string } {
    return this.byClient ? { client_id: this.clients.value(clientId) } : {};
  }

  clientAuthenticationFailed(): void {
    this.authFailures.inc();
  }

  rateLimitExceeded(): void {
    this.rateLimited.inc();
  }

  observeRequest(
    method: string,
    route: string | undefined,
    statusCode: number,
    seconds: number,
  ): void {
    this.latency.observe(
      {
        method: METHODS.has(method) ? method : OTHER,
        // Unmatched paths are attacker-chosen: one label value for all of them.
        route: route ?? 'unmatched',
        status_code: String(statusCode),
      },
      seconds,
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
