import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EventBus } from '../common/events';
import { issuedAtMs } from './jwt/jti';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RevocationRepository, type RevocationEntry } from './revocation.repository';
import {
  CLOCK_LEEWAY_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  REVOCATION_POLL_INTERVAL_MS,
} from './tokens.constants';
import { TokensClock } from './tokens.clock';
import type { RequestMeta } from '../common/http/request-context';

/** Entries are re-read this far back on each poll, so writers' clocks may differ by this much. */
const POLL_OVERLAP_MS = 5_000;
const PRUNE_EVERY_MS = 60_000;

export const sha256Hex = (value: string): string =>
  createHash('sha256').update(value).digest('hex');

/**
 * The jti denylist (`revoked_tokens`), answered from memory on every request.
 *
 * Consistency: a revocation made through this instance is enforced by it at once; other instances
 * read entries newer than the last one they saw every 500 ms, so they enforce it within ~0.5 s
 * plus one database round trip (the scale-out test allows 1 s). Writers' clocks must agree within
 * POLL_OVERLAP_MS (5 s). If the database cannot be read, the last known set stays in force and a
 * warning is logged: revocations made elsewhere during the outage are seen once it is back.
 */
@Injectable()
export class RevocationService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationService.name);
  /** jti → ms after which the entry no longer matters (the token has expired). */
  private readonly jtis = new Map<string, number>();
  /** client_id → tokens issued before this ms are revoked. */
  private readonly cutoffs = new Map<string, { before: number; until: number }>();
  /** SHA-256 of whole tokens the FastAPI service revoked (HS256 mode only). */
  private readonly legacyTokens = new Set<string>();
  private readonly cutoffListeners: ((clientId: string) => void)[] = [];
  private cursor = 0;
  private lastPrune = 0;
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly repository: RevocationRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: TokensClock,
    private readonly events: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.giveLegacyEntriesAnExpiry();
    this.apply(await this.repository.findAll());
    this.timer = setInterval(() => void this.poll(), REVOCATION_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Synchronous and O(1): called on every authenticated request. */
  isRevoked(jti: string): boolean {
    const until = this.jtis.get(jti);
    return until !== undefined && until > this.clock.now();
  }

  /** jti denylist + client-wide cutoffs; `legacyToken` (HS256 mode) also checks the FastAPI service's entries. */
  isAccessTokenRevoked(
    claims: { jti: string; client_id: string; iat: number },
    legacyToken?: string,
  ): boolean {
    if (this.isRevoked(claims.jti)) return true;
    const cutoff = this.cutoffs.get(claims.client_id);
    if (cutoff && issuedAtMs(claims.jti, claims.iat) < cutoff.before) return true;
    return (
      legacyToken !== undefined &&
      this.legacyTokens.size > 0 &&
      this.legacyTokens.has(sha256Hex(legacyToken))
    );
  }

  async revokeAccessToken(
    claims: { jti: string; exp: number; client_id: string },
    meta: RequestMeta = {},
    reason = 'revoked by request',
  ): Promise<void> {
    const now = this.clock.now();
    const until = (claims.exp + CLOCK_LEEWAY_SECONDS) * 1000;
    this.jtis.set(claims.jti, until);
    await this.repository.revokeJti({
      jti: claims.jti,
      client_id: claims.client_id,
      revoked_at: new Date(now),
      expires_at: new Date(until),
      reason,
    });
    this.events.emit('token.revoked', {
      tokenType: 'access_token',
      jti: claims.jti,
      clientId: claims.client_id,
      reason,
      ...meta,
      request: meta,
    });
  }

  /**
   * RFC 7009: revokes the refresh token and, as §2.1 recommends, every token of its grant (the
   * whole family). Returns false when the token is unknown or belongs to another client (the
   * caller answers 200 either way).
   */
  async revokeRefreshToken(
    token: string,
    clientId?: string,
    meta: RequestMeta = {},
  ): Promise<boolean> {
    const doc = await this.refreshTokens.findByToken(token, sha256Hex(token));
    if (!doc || (clientId !== undefined && doc.client_id !== clientId)) return false;
    if (doc.family_id) {
      await this.revokeFamily(
        doc.family_id,
        doc.client_id,
        'refresh token revoked by request',
        meta,
      );
    } else {
      await this.refreshTokens.revokeOne(doc.refresh_token, this.clock.date());
    }
    return true;
  }

  /**
   * Revokes every refresh token of a family and the access tokens issued with them.
   *
   * Order matters against a rotation running at the same time (on any instance): the marker is
   * written first, then the family's tokens are swept. A rotation inserts its new token first and
   * then reads the marker (isRotationRevoked). Either its read sees the marker and it revokes
   * what it just minted, or the marker (and so the sweep) came after its insert and the sweep
   * catches the new refresh token and, through it, the new access token's jti.
   */
  async revokeFamily(
    familyId: string,
    clientId: string,
    reason: string,
    meta: RequestMeta = {},
  ): Promise<void> {
    const now = this.clock.date();
    await this.repository.markFamilyRevoked({
      family_id: familyId,
      client_id: clientId,
      revoked_at: now,
      expires_at: new Date(
        now.getTime() + (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000,
      ),
      reason,
    });
    await this.refreshTokens.revokeFamily(familyId, now);
    const live = await this.refreshTokens.findLiveAccessTokensOfFamily(
      familyId,
      this.clock.nowSeconds(),
    );
    for (const doc of live) {
      if (doc.access_jti && doc.access_exp) {
        const until = (doc.access_exp + CLOCK_LEEWAY_SECONDS) * 1000;
        this.jtis.set(doc.access_jti, until);
        await this.repository.revokeJti({
          jti: doc.access_jti,
          client_id: doc.client_id,
          revoked_at: now,
          expires_at: new Date(until),
          reason,
        });
      }
    }
    this.events.emit('token.revoked', {
      tokenType: 'family',
      familyId,
      clientId,
      reason,
      ...meta,
      request: meta,
    });
  }

  /** Every access token of the client issued before now, and all its refresh tokens. */
  async revokeAllForClient(
    clientId: string,
    meta: RequestMeta = {},
  ): Promise<{ revokedBefore: Date; refreshTokensRevoked: number }> {
    const now = this.clock.now();
    const until = now + (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000;
    this.applyCutoff(clientId, now, until);
    await this.repository.addClientCutoff({
      client_id: clientId,
      revoke_before: now,
      revoked_at: new Date(now),
      expires_at: new Date(until),
      reason: 'all tokens of the client revoked',
    });
    const refreshTokensRevoked = await this.refreshTokens.revokeAllOfClient(
      clientId,
      new Date(now),
    );
    this.events.emit('token.revoked', {
      tokenType: 'client',
      clientId,
      reason: `all tokens revoked (${refreshTokensRevoked} refresh tokens)`,
      ...meta,
      request: meta,
    });
    return { revokedBefore: new Date(now), refreshTokensRevoked };
  }

  /**
   * The second half of the protocol described at revokeFamily, run by a rotation after it has
   * stored its new refresh token: was the family revoked, or were all tokens of its client that
   * the presented token belonged to (a cutoff later than the presented token's issue time)?
   */
  async isRotationRevoked(
    familyId: string,
    clientId: string,
    parentIssuedAtMs: number,
  ): Promise<boolean> {
    const entries = await this.repository.findFamilyRevocations(familyId, clientId);
    return entries.some(
      (e) =>
        e.family_key === familyId ||
        (typeof e.revoke_before === 'number' && e.revoke_before > parentIssuedAtMs),
    );
  }

  /**
   * Called with the client id whenever a client-wide cutoff is applied, including one read from
   * another instance: lets the client cache drop a record that a demotion made stale.
   */
  onClientCutoff(listener: (clientId: string) => void): void {
    this.cutoffListeners.push(listener);
  }

  /** One incremental read; public so tests and the scale-out harness can force it. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.apply(await this.repository.findRecordedSince(new Date(this.cursor - POLL_OVERLAP_MS)));
      if (this.clock.now() - this.lastPrune > PRUNE_EVERY_MS) this.prune();
    } catch (err) {
      this.logger.warn(`revocation poll failed: ${String(err)}`);
    } finally {
      this.polling = false;
    }
  }

  private apply(entries: RevocationEntry[]): void {
    for (const e of entries) {
      const recorded = e.revoked_at instanceof Date ? e.revoked_at.getTime() : 0;
      if (recorded > this.cursor) this.cursor = recorded;
      const until = e.expires_at instanceof Date ? e.expires_at.getTime() : Number.MAX_SAFE_INTEGER;
      if (typeof e.jti === 'string') this.jtis.set(e.jti, until);
      else if (typeof e.token === 'string') this.legacyTokens.add(sha256Hex(e.token));
      else if (typeof e.client_id === 'string' && typeof e.revoke_before === 'number') {
        this.applyCutoff(e.client_id, e.revoke_before, until);
      }
    }
  }

  private applyCutoff(clientId: string, before: number, until: number): void {
    const current = this.cutoffs.get(clientId);
    if (current && current.before >= before) return;
    this.cutoffs.set(clientId, { before, until });
    for (const listener of this.cutoffListeners) listener(clientId);
  }

  private prune(): void {
    const now = this.clock.now();
    this.lastPrune = now;
    for (const [jti, until] of this.jtis) if (until <= now) this.jtis.delete(jti);
    for (const [client, cutoff] of this.cutoffs)
      if (cutoff.until <= now) this.cutoffs.delete(client);
  }

  /** The FastAPI service's entries never expire; from now on they do (its tokens are long expired by then). */
  private async giveLegacyEntriesAnExpiry(): Promise<void> {
    const horizon = this.clock.now() + (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000;
    await this.repository.setMissingExpiry(new Date(horizon));
  }
}
