import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventBus } from '../common/events';
import { InvalidGrantError } from '../common/errors/oauth-errors';
import { RuntimeConfigService } from '../config/runtime-config.service';
import { RefreshTokenRepository, type StoredRefreshToken } from './refresh-token.repository';
import { RevocationService, sha256Hex } from './revocation.service';
import { TokensClock } from './tokens.clock';
import type { RefreshGrant, RefreshTokenRequest, TokenRequestMeta } from './tokens.types';
import { UsedRefreshTokenRepository } from './used-refresh-token.repository';

const MAX_REFRESH_TOKEN_LENGTH = 512;

/**
 * Opaque refresh tokens (256 random bits), stored as SHA-256 in the seed's `tokens` collection.
 * Each use rotates: the presented token is consumed by a single atomic compare-and-set, so across
 * any number of instances exactly one concurrent consumer wins. A consumed token stays stored
 * (used_at set) until it expires; presenting it again is reuse and revokes the whole family.
 */
@Injectable()
export class RefreshTokenService implements OnModuleInit {
  constructor(
    private readonly repository: RefreshTokenRepository,
    private readonly used: UsedRefreshTokenRepository,
    private readonly revocation: RevocationService,
    private readonly runtime: RuntimeConfigService,
    private readonly clock: TokensClock,
    private readonly events: EventBus,
  ) {}

  /** The seed's documents never expire; give them a full lifetime from now so TTL applies. */
  async onModuleInit(): Promise<void> {
    const horizon = new Date(this.clock.now() + this.lifetimeMs());
    await this.repository.setMissingExpiry(horizon);
    await this.used.setMissingExpiry(horizon);
  }

  async issue(req: RefreshTokenRequest): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.repository.insert({
      refresh_token: sha256Hex(token),
      client_id: req.clientId,
      created_at: new Date(now),
      family_id: req.familyId ?? randomUUID(),
      scopes: req.scopes,
      role: req.role,
      audience: req.audience,
      expires_at: new Date(now + this.lifetimeMs()),
      used_at: null,
      revoked_at: null,
      access_jti: req.accessJti,
      access_exp: req.accessExp,
    });
    return token;
  }

  /**
   * The client a refresh token was issued to, without consuming it (undefined when unknown). Lets
   * the seed's unauthenticated /refresh refuse a client that may not refresh before the token burns.
   */
  async ownerOf(token: string): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_REFRESH_TOKEN_LENGTH)
      return undefined;
    const stored =
      (await this.repository.findByHash(sha256Hex(token))) ??
      (await this.repository.findLegacyPlaintext(token));
    return stored?.client_id;
  }

  /** Consumes the token (exactly once) and returns what it granted; see the class comment. */
  async consume(
    token: string,
    opts: { clientId?: string },
    meta: TokenRequestMeta,
  ): Promise<RefreshGrant> {
    if (
      typeof token !== 'string' ||
      token.length === 0 ||
      token.length > MAX_REFRESH_TOKEN_LENGTH
    ) {
      throw this.invalid('malformed refresh token', opts.clientId, meta);
    }
    const now = this.clock.date();
    const hash = sha256Hex(token);
    const claimed =
      (await this.repository.claimByHash(hash, opts.clientId, now)) ??
      (await this.repository.claimLegacyPlaintext(token, hash, opts.clientId, now, randomUUID()));
    if (claimed) {
      await this.used.record({
        refresh_token: hash,
        used_at: now,
        family_id: claimed.family_id,
        client_id: claimed.client_id,
        expires_at: claimed.expires_at,
      });
      return toGrant(claimed);
    }
    return this.explainFailure(token, hash, opts.clientId, meta);
  }

  /** The CAS missed: find out why, react to reuse, and always throw invalid_grant. */
  private async explainFailure(
    token: string,
    hash: string,
    clientId: string | undefined,
    meta: TokenRequestMeta,
  ): Promise<never> {
    const stored =
      (await this.repository.findByHash(hash)) ??
      (await this.repository.findLegacyPlaintext(token));
    if (stored && clientId !== undefined && stored.client_id !== clientId) {
      throw this.invalid(
        'refresh token was issued to another client',
        clientId,
        meta,
        stored.family_id,
      );
    }
    if (stored?.used_at) {
      if (stored.family_id) {
        await this.revocation.revokeFamily(
          stored.family_id,
          stored.client_id,
          'refresh token reuse',
          meta,
        );
      }
      throw this.reused(stored.client_id, stored.family_id, meta);
    }
    if (stored?.revoked_at)
      throw this.invalid(
        'refresh token has been revoked',
        stored.client_id,
        meta,
        stored.family_id,
      );
    if (stored)
      throw this.invalid('refresh token has expired', stored.client_id, meta, stored.family_id);
    // The seed recorded used tokens in plaintext only, without their family.
    const seedUse =
      (await this.used.findByStoredValue(hash)) ?? (await this.used.findByStoredValue(token));
    if (seedUse) throw this.reused(seedUse.client_id ?? clientId, seedUse.family_id, meta);
    throw this.invalid('unknown refresh token', clientId, meta);
  }

  private reused(
    clientId: string | undefined,
    familyId: string | undefined,
    meta: TokenRequestMeta,
  ): InvalidGrantError {
    this.events.emit('refresh_token.reused', {
      clientId,
      familyId,
      reason: 'a used refresh token was presented again; its family is revoked',
      ...meta,
    });
    return new InvalidGrantError('refresh token has already been used');
  }

  private invalid(
    reason: string,
    clientId: string | undefined,
    meta: TokenRequestMeta,
    familyId?: string,
  ): InvalidGrantError {
    this.events.emit('refresh_token.invalid', { clientId, familyId, reason, ...meta });
    return new InvalidGrantError(reason);
  }

  private lifetimeMs(): number {
    return this.runtime.current.refreshTokenDays * 86_400_000;
  }
}

const toGrant = (doc: StoredRefreshToken): RefreshGrant => ({
  clientId: doc.client_id,
  // Seed-era tokens carry no scopes or role: the grant handler takes the client's current ones.
  scopes: doc.scopes ?? [],
  role: doc.role,
  audience: doc.audience ?? [],
  familyId: doc.family_id as string,
});
