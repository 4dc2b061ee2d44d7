import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventBus } from '../common/events';
import { InvalidGrantError } from '../common/errors/oauth-errors';
import { RuntimeConfigService } from '../config/runtime-config.service';
import {
  RefreshTokenRepository,
  type ClaimConditions,
  type StoredRefreshToken,
} from './refresh-token.repository';
import { RevocationService, sha256Hex } from './revocation.service';
import { TokensClock } from './tokens.clock';
import type { RequestMeta } from '../common/http/request-context';
import { RefreshGraceService } from './refresh-grace.service';
import type { GracePair, RefreshGrant, RefreshTokenRequest } from './tokens.types';
import { UsedRefreshTokenRepository } from './used-refresh-token.repository';

const MAX_REFRESH_TOKEN_LENGTH = 512;

/**
 * Opaque refresh tokens (256 random bits), stored as SHA-256 in the FastAPI service's `tokens` collection.
 * Each use rotates: the presented token is consumed by a single atomic compare-and-set, so across
 * any number of instances exactly one concurrent consumer wins. A consumed token stays stored
 * (used_at set) until it expires; presenting it again is reuse and revokes the whole family.
 * A rotation re-checks its family after storing the new token, so a reuse racing with it leaves
 * no survivor (see RevocationService.revokeFamily). The one tolerated repeat is a client's grace
 * period (onReuse), which replays the pair of the first use and never mints a second one.
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
    private readonly grace: RefreshGraceService,
  ) {}

  /** The FastAPI service's documents never expire; give them a full lifetime from now so TTL applies. */
  async onModuleInit(): Promise<void> {
    const horizon = new Date(this.clock.now() + this.lifetimeMs());
    await this.repository.setMissingExpiry(horizon);
    await this.used.setMissingExpiry(horizon);
  }

  async issue(req: RefreshTokenRequest): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const hash = sha256Hex(token);
    const familyId = req.rotation?.familyId ?? randomUUID();
    await this.repository.insert({
      refresh_token: hash,
      client_id: req.clientId,
      ...(req.clientRef !== undefined && { client_ref: req.clientRef }),
      created_at: new Date(now),
      family_id: familyId,
      scopes: req.scopes,
      role: req.role,
      audience: req.audience,
      expires_at: new Date(now + this.lifetimeMs()),
      used_at: null,
      revoked_at: null,
      access_jti: req.accessJti,
      access_exp: req.accessExp,
      ...(req.dpopJkt !== undefined && { dpop_jkt: req.dpopJkt }),
    });
    if (req.rotation) await this.refuseIfRevokedMeanwhile(req, hash, req.rotation, req.meta ?? {});
    return token;
  }

  /**
   * The client a refresh token was issued to, without consuming it (undefined when unknown). Lets
   * the FastAPI service's unauthenticated /refresh refuse a client that may not refresh before the token burns.
   */
  async ownerOf(token: string): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_REFRESH_TOKEN_LENGTH)
      return undefined;
    return (await this.repository.findByToken(token, sha256Hex(token)))?.client_id;
  }

  /**
   * Consumes the token (exactly once) and returns what it granted; see the class comment. The
   * conditions are part of the compare-and-set, so a refresh refused for scope, resource or
   * client registration leaves the token usable: the miss is then explained without consuming it
   * (RefreshTokenConditionsUnmet for scope and resource, which the grant handler words).
   */
  async consume(
    token: string,
    conditions: ClaimConditions,
    meta: RequestMeta,
    graceSeconds = 0,
  ): Promise<RefreshGrant> {
    if (
      typeof token !== 'string' ||
      token.length === 0 ||
      token.length > MAX_REFRESH_TOKEN_LENGTH
    ) {
      throw this.invalid('malformed refresh token', conditions.clientId, meta);
    }
    const now = this.clock.date();
    const hash = sha256Hex(token);
    const grace =
      graceSeconds > 0
        ? { until: new Date(now.getTime() + graceSeconds * 1000), ip: meta.ip ?? null }
        : undefined;
    const claimed =
      (await this.repository.claimByHash(hash, conditions, now, grace)) ??
      (await this.repository.claimLegacyPlaintext(token, hash, conditions, now, randomUUID()));
    if (claimed) {
      await this.used.record({
        refresh_token: hash,
        used_at: now,
        family_id: claimed.family_id,
        client_id: claimed.client_id,
        expires_at: claimed.expires_at,
      });
      return {
        ...toGrant(claimed),
        ...(grace && { grace: { spentHash: hash, until: grace.until } }),
      };
    }
    return this.explainFailure(token, hash, conditions, meta);
  }

  /** The winning rotation's pair, for the retries of its grace period. */
  rememberPair(grace: { spentHash: string; until: Date }, pair: GracePair): Promise<void> {
    return this.grace.remember(grace.spentHash, grace.until, pair);
  }

  /** The CAS missed: find out why and react to reuse; throws unless it is a grace-period replay. */
  private async explainFailure(
    token: string,
    hash: string,
    conditions: ClaimConditions,
    meta: RequestMeta,
  ): Promise<RefreshGrant> {
    const { clientId } = conditions;
    const stored = await this.repository.findByToken(token, hash);
    if (!stored) {
      // The FastAPI service recorded used tokens in plaintext only, without their family.
      const legacyUse = await this.used.findByToken(token, hash);
      if (legacyUse) throw this.reused(legacyUse.client_id ?? clientId, legacyUse.family_id, meta);
      throw this.invalid('unknown refresh token', clientId, meta);
    }
    const familyId = stored.family_id ?? undefined;
    if (clientId !== undefined && stored.client_id !== clientId) {
      throw this.invalid('refresh token was issued to another client', clientId, meta, familyId);
    }
    if (stored.used_at) return this.onReuse(stored, conditions, meta);
    if (stored.revoked_at)
      throw this.invalid('refresh token has been revoked', stored.client_id, meta, familyId);
    if (!(stored.expires_at instanceof Date) || stored.expires_at.getTime() <= this.clock.now())
      throw this.invalid('refresh token has expired', stored.client_id, meta, familyId);
    const ref = stored.client_ref ?? undefined;
    if (conditions.clientRef !== undefined && ref !== undefined && ref !== conditions.clientRef) {
      throw this.invalid(
        'refresh token was issued to an earlier registration of this client id',
        stored.client_id,
        meta,
        familyId,
      );
    }
    const boundTo = stored.dpop_jkt ?? undefined;
    if (
      conditions.dpopJkt !== undefined &&
      boundTo !== undefined &&
      boundTo !== conditions.dpopJkt
    ) {
      throw this.invalid(
        conditions.dpopJkt === null
          ? 'refresh token is DPoP-bound and the request has no DPoP proof'
          : 'refresh token is bound to another DPoP key',
        stored.client_id,
        meta,
        familyId,
      );
    }
    throw new RefreshTokenConditionsUnmet(toGrant(stored));
  }

  /**
   * A used token presented again: the family is revoked. This is the one place that decides it.
   * The only exception is the client's grace period: a retry from the client and IP of the first
   * use, within the window set atomically with that use, gets the very pair the use got (the
   * client was checked by the caller). Anything else, including a window whose pair never
   * appeared or whose family was revoked meanwhile, is reuse.
   */
  private async onReuse(
    stored: StoredRefreshToken,
    conditions: ClaimConditions,
    meta: RequestMeta,
  ): Promise<RefreshGrant> {
    const familyId = stored.family_id ?? undefined;
    const until = stored.grace_until;
    // A retry of a DPoP-bound token (or one whose pair was bound) proves the same key, or it is
    // not the client retrying.
    const proves = (jkt: string | null | undefined) => !jkt || jkt === conditions.dpopJkt;
    const sameKey = proves(stored.dpop_jkt);
    if (until instanceof Date) {
      const spentHash = stored.refresh_token;
      const sameIp = (stored.grace_ip ?? null) === (meta.ip ?? null);
      if (until.getTime() > this.clock.now() && sameIp && sameKey) {
        const replay = await this.grace.await(spentHash, until);
        if (replay && proves(replay.dpopJkt) && !(await this.isRevoked(replay.refreshToken))) {
          this.events.emit('refresh_token.grace_replayed', {
            clientId: stored.client_id,
            familyId,
            reason: 'a refresh retried within the grace period got the pair of its first use',
            ...meta,
            request: meta,
          });
          return { ...toGrant(stored), replay };
        }
      } else {
        await this.grace.forget(spentHash);
      }
    }
    if (familyId) {
      await this.revocation.revokeFamily(familyId, stored.client_id, 'refresh token reuse', meta);
    }
    throw this.reused(stored.client_id, familyId, meta);
  }

  private async isRevoked(token: string): Promise<boolean> {
    const doc = await this.repository.findByToken(token, sha256Hex(token));
    return !doc || doc.revoked_at instanceof Date;
  }

  /**
   * The rotation's half of the protocol described at RevocationService.revokeFamily: the new
   * token is stored, now look for a revocation of its family (or client) made meanwhile.
   */
  private async refuseIfRevokedMeanwhile(
    req: RefreshTokenRequest,
    hash: string,
    rotation: { familyId: string; parentIssuedAtMs: number },
    meta: RequestMeta,
  ): Promise<void> {
    const revoked = await this.revocation.isRotationRevoked(
      rotation.familyId,
      req.clientId,
      rotation.parentIssuedAtMs,
    );
    if (!revoked) return;
    const reason = 'refresh family revoked during rotation';
    await this.repository.revokeOne(hash, this.clock.date());
    await this.revocation.revokeAccessToken(
      { jti: req.accessJti, exp: req.accessExp, client_id: req.clientId },
      meta,
      reason,
    );
    throw this.invalid('refresh token has been revoked', req.clientId, meta, rotation.familyId);
  }

  private reused(
    clientId: string | undefined,
    familyId: string | undefined,
    meta: RequestMeta,
  ): InvalidGrantError {
    this.events.emit('refresh_token.reused', {
      clientId,
      familyId,
      reason: 'a used refresh token was presented again; its family is revoked',
      ...meta,
      request: meta,
    });
    return new InvalidGrantError('refresh token has already been used');
  }

  private invalid(
    reason: string,
    clientId: string | undefined,
    meta: RequestMeta,
    familyId?: string,
  ): InvalidGrantError {
    this.events.emit('refresh_token.invalid', {
      clientId,
      familyId,
      reason,
      ...meta,
      request: meta,
    });
    return new InvalidGrantError(reason);
  }

  private lifetimeMs(): number {
    return this.runtime.current.refreshTokenDays * 86_400_000;
  }
}

/** The token is live, but the request asks for more than its family carries. */
export class RefreshTokenConditionsUnmet extends Error {
  constructor(readonly grant: RefreshGrant) {
    super('refresh token conditions not met');
  }
}

const toGrant = (doc: StoredRefreshToken): RefreshGrant => ({
  clientId: doc.client_id,
  issuedAtMs: doc.created_at instanceof Date ? doc.created_at.getTime() : 0,
  // FastAPI-era tokens carry no scopes or role: the grant handler takes the client's current ones.
  scopes: doc.scopes ?? [],
  role: doc.role,
  audience: doc.audience ?? [],
  familyId: doc.family_id as string,
});
