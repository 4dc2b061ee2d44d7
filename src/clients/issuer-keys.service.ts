import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service';
import { toRegisteredKey, type RegisteredKey } from './client-assertion.verifier';
import { ClientAuthFailure } from './client-auth-failure';
import type { FederatedCredential } from './clients.types';
import { fetchIssuerDocument, IssuerFetchError, type FetchLimits } from './issuer-document.fetcher';

const MAX_ISSUERS = 1_000;
const MAX_KEYS = 100;

interface KeySet {
  keys: RegisteredKey[];
  /** Until when these keys are trusted without a successful refetch. */
  expiresAt: number;
  /** Last fetch attempt, successful or not: bounds unknown-kid refetches. */
  attemptedAt: number;
}

/**
 * The public keys of trusted workload issuers, fetched on first use and cached per instance (they
 * are public, so nothing needs sharing between instances): for the issuer's Cache-Control max-age
 * clamped into configured bounds. An unknown kid (the issuer rotated) refetches at most once per
 * interval per issuer. A failed fetch keeps the cached keys until they expire; after that every
 * assertion of the issuer is refused (fail closed) until a fetch succeeds again.
 */
@Injectable()
export class IssuerKeys {
  private readonly sets = new Map<string, KeySet>();
  /** Concurrent requests for one issuer share one fetch. */
  private readonly inflight = new Map<string, Promise<KeySet>>();

  constructor(private readonly config: AppConfig) {}

  async candidates(
    credential: Pick<FederatedCredential, 'issuer' | 'jwksUri'>,
    kid: string | undefined,
    alg: string,
  ): Promise<RegisteredKey[]> {
    const id = `${credential.issuer}\u0000${credential.jwksUri ?? ''}`;
    const now = Date.now();
    let set = this.sets.get(id);
    if (!set || set.expiresAt <= now) set = await this.load(id, credential);
    let found = matching(set.keys, kid, alg);
    const interval = this.config.federation.refreshIntervalSeconds * 1000;
    if (found.length === 0 && kid !== undefined && now - set.attemptedAt >= interval) {
      set = await this.load(id, credential);
      found = matching(set.keys, kid, alg);
    }
    return found;
  }

  private load(
    id: string,
    credential: Pick<FederatedCredential, 'issuer' | 'jwksUri'>,
  ): Promise<KeySet> {
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.refresh(id, credential).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private async refresh(
    id: string,
    credential: Pick<FederatedCredential, 'issuer' | 'jwksUri'>,
  ): Promise<KeySet> {
    const cached = this.sets.get(id);
    const now = Date.now();
    try {
      const fresh = await this.fetchKeys(credential, now);
      if (this.sets.size >= MAX_ISSUERS && !cached) this.sets.clear();
      this.sets.set(id, fresh);
      return fresh;
    } catch (err) {
      if (!(err instanceof IssuerFetchError)) throw err;
      if (cached) cached.attemptedAt = now;
      if (cached && cached.expiresAt > now) return cached;
      throw new ClientAuthFailure(
        `keys of issuer ${credential.issuer} unavailable: ${err.message}`,
      );
    }
  }

  private async fetchKeys(
    credential: Pick<FederatedCredential, 'issuer' | 'jwksUri'>,
    now: number,
  ): Promise<KeySet> {
    const { federation } = this.config;
    const limits: FetchLimits = {
      timeoutMs: federation.fetchTimeoutMs,
      maxBytes: federation.fetchMaxBytes,
      production: this.config.nodeEnv === 'production',
    };
    const jwksUri = credential.jwksUri ?? (await this.discover(credential.issuer, limits));
    const { body, maxAgeSeconds } = await fetchIssuerDocument(jwksUri, limits);
    if (!Array.isArray(body.keys)) throw new IssuerFetchError(`${jwksUri} is not a JWK Set`);
    const keys = (body.keys as unknown[])
      .slice(0, MAX_KEYS)
      .filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null)
      // Only public members are read; a published private member is ignored by createPublicKey.
      .flatMap((jwk) => toRegisteredKey(jwk));
    const seconds = Math.min(
      Math.max(maxAgeSeconds ?? federation.minCacheSeconds, federation.minCacheSeconds),
      federation.maxCacheSeconds,
    );
    return { keys, expiresAt: now + seconds * 1000, attemptedAt: now };
  }

  /** OpenID Connect Discovery §4: the document's issuer must be exactly the one asked for. */
  private async discover(issuer: string, limits: FetchLimits): Promise<string> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const { body } = await fetchIssuerDocument(url, limits);
    if (body.issuer !== issuer) {
      throw new IssuerFetchError(`${url} names another issuer`);
    }
    if (typeof body.jwks_uri !== 'string') throw new IssuerFetchError(`${url} has no jwks_uri`);
    return body.jwks_uri;
  }
}

const matching = (keys: RegisteredKey[], kid: string | undefined, alg: string): RegisteredKey[] =>
  keys.filter((k) => k.algs.includes(alg) && (kid === undefined || k.kid === kid));
