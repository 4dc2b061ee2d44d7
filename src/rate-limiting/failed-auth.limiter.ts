import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service';
import { InvalidClientError, RateLimitExceededError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import type { RequestMeta } from '../common/http/request-context';
import { QuotaReservationStorage } from './quota-reservation.storage';
import { RATE_LIMIT_WINDOW_MS } from './rate-limit.constants';

/** `#` is always percent-encoded in a client key, so this counter never collides with a client's. */
const failureKey = (ip: string): string => `#failed-auth:${ip}`;
/** Beyond this many addresses per window the local bookkeeping starts afresh (memory bound). */
const MAX_TRACKED_ADDRESSES = 50_000;

interface AddressState {
  /** Failures counted in the shared window, as far as this instance knows. */
  failures: number;
  /** Verifications under way from this address on this instance. */
  inFlight: number;
  waiters: Array<() => void>;
}

/**
 * Failed client authentications per source IP, so that guessing across many client ids from one
 * address is throttled too (the per-client counter alone lets each guess name a fresh client).
 *
 * Failures go to the shared database counter, so the allowance holds across instances. An
 * address with no allowance left is refused before any credential is checked. Verifications
 * that could each still fail are admitted only while `failures + in flight < allowance`, the
 * rest wait for one of them to finish: a burst of concurrent guesses can never exceed the
 * allowance on one instance, while a legitimate client's parallel requests (which succeed) only
 * queue for the time one verification takes.
 */
@Injectable()
export class FailedAuthLimiter {
  private windowStart = -1;
  private addresses = new Map<string, AddressState>();

  constructor(
    private readonly storage: QuotaReservationStorage,
    private readonly config: AppConfig,
    private readonly events: EventBus,
  ) {}

  /** Runs `verify` within the address's allowance; an InvalidClientError from it is a failure. */
  async attempt<T>(
    meta: RequestMeta,
    clientId: string | undefined,
    verify: () => Promise<T>,
  ): Promise<T> {
    const ip = meta.ip ?? 'unknown';
    const state = await this.admit(ip, meta, clientId);
    try {
      return await verify();
    } catch (err) {
      if (err instanceof InvalidClientError) await this.recordFailure(ip, state);
      throw err;
    } finally {
      state.inFlight--;
      state.waiters.shift()?.();
    }
  }

  private get allowance(): number {
    return this.config.maxFailedAuthPerIpPerMinute;
  }

  private async admit(
    ip: string,
    meta: RequestMeta,
    clientId: string | undefined,
  ): Promise<AddressState> {
    for (;;) {
      const state = this.stateOf(ip);
      if (state.failures >= this.allowance) throw this.refusal(meta, clientId);
      if (state.failures + state.inFlight < this.allowance) {
        state.inFlight++;
        return state;
      }
      await new Promise<void>((resolve) => state.waiters.push(resolve));
    }
  }

  private async recordFailure(ip: string, state: AddressState): Promise<void> {
    const record = await this.storage.increment(
      failureKey(ip),
      RATE_LIMIT_WINDOW_MS,
      this.allowance,
    );
    state.failures = record.isBlocked
      ? this.allowance
      : Math.max(state.failures + 1, record.totalHits);
    // The waiters re-check against the new count; whoever is still admitted goes on.
    for (const wake of state.waiters.splice(0)) wake();
  }

  private stateOf(ip: string): AddressState {
    const now = this.storage.clock();
    const start = Math.floor(now / RATE_LIMIT_WINDOW_MS) * RATE_LIMIT_WINDOW_MS;
    if (start !== this.windowStart || this.addresses.size >= MAX_TRACKED_ADDRESSES) {
      this.windowStart = start;
      this.addresses = new Map();
    }
    let state = this.addresses.get(ip);
    if (!state) {
      state = { failures: 0, inFlight: 0, waiters: [] };
      this.addresses.set(ip, state);
    }
    return state;
  }

  private refusal(meta: RequestMeta, clientId: string | undefined): RateLimitExceededError {
    const now = this.storage.clock();
    const end = (Math.floor(now / RATE_LIMIT_WINDOW_MS) + 1) * RATE_LIMIT_WINDOW_MS;
    const retryAfter = Math.max(1, Math.ceil((end - now) / 1000));
    this.events.emit('rate_limit.exceeded', {
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      ...(clientId !== undefined && { clientId }),
      reason: `more than ${this.allowance} failed client authentications per minute from this IP`,
    });
    return new RateLimitExceededError(
      `Rate limit exceeded: at most ${this.allowance} failed client authentications per minute from this IP; retry after ${retryAfter} s`,
      { headers: { 'Retry-After': String(retryAfter) } },
    );
  }
}
