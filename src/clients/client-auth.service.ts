import { Injectable, Logger } from '@nestjs/common';
import { InvalidClientError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { ClientAuthFailure } from './client-auth-failure';
import { ClientCache } from './client-cache.service';
import { generateSecretId, isValidClientId, MAX_SECRET_LENGTH } from './client-credentials';
import { isSecretActive, type ClientRecord } from './client.mapper';
import type {
  ClientAuthMethodUsed,
  ClientCredentials,
  OAuthClient,
  RequestMeta,
} from './clients.types';
import { FederatedAssertionVerifier } from './federated-assertion.verifier';
import { ClientsRepository } from './clients.repository';
import { SecretHasher } from './secret-hasher.service';

/** last_used_at is for operators deciding which secret to retire; minute precision is enough. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_TOUCH_ENTRIES = 50_000;

export const GENERIC_FAILURE = 'client authentication failed';

/**
 * Who is calling the token endpoint. Secret methods: client_secret_basic and client_secret_post
 * are interchangeable for a client registered with either (RFC 6749 §2.3.1 makes Basic mandatory
 * for servers, and the FastAPI service's `/token` form sends the secret in the body; legacy clients must keep
 * working whatever the registered preference says). A private_key_jwt client accepts only
 * assertions: allowing a secret would be a downgrade.
 */
@Injectable()
export class ClientAuthService {
  private readonly logger = new Logger(ClientAuthService.name);
  /** clientId + secretId → when this instance last wrote last_used_at. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly cache: ClientCache,
    private readonly repository: ClientsRepository,
    private readonly hasher: SecretHasher,
    private readonly assertions: ClientAssertionVerifier,
    private readonly events: EventBus,
    private readonly federated: FederatedAssertionVerifier,
  ) {}

  async authenticate(credentials: ClientCredentials, meta: RequestMeta): Promise<OAuthClient> {
    try {
      if (
        credentials.method === 'private_key_jwt' &&
        this.federated.isFederated(credentials.assertion)
      ) {
        return await this.withFederated(credentials, meta);
      }
      const client =
        credentials.method === 'private_key_jwt'
          ? await this.withAssertion(credentials)
          : await this.withSecret(credentials, meta.requestId);
      this.emitAuthenticated(client, credentials.method, meta);
      return client;
    } catch (err) {
      if (!(err instanceof ClientAuthFailure)) throw err;
      this.events.emit('client.authentication_failed', {
        ...(err.clientId !== undefined && { clientId: err.clientId }),
        ip: meta.ip,
        requestId: meta.requestId,
        request: meta,
        endpoint: meta.endpoint,
        code: 'invalid_client',
        reason: err.reason,
      });
      // The precise reason stays private: probing cannot tell an unknown id from a wrong secret.
      throw new InvalidClientError(GENERIC_FAILURE, { detail: err.reason });
    }
  }

  /**
   * A workload JWT presented to token exchange as subject or actor token: it must come from one
   * of this client's own federated credentials (a jti is spent as for an assertion). The precise
   * reason of a refusal is for the caller's private detail only.
   */
  async verifyFederatedToken(
    token: string,
    clientId: string,
    audiences: string[],
  ): Promise<{ ok: true; issuer: string; subject: string } | { ok: false; reason: string }> {
    if (!this.federated.isFederated(token)) {
      return { ok: false, reason: 'not a JWT of a federated issuer' };
    }
    try {
      const identity = await this.federated.verify(token, clientId, audiences);
      return { ok: true, issuer: identity.issuer, subject: identity.subject };
    } catch (err) {
      if (err instanceof ClientAuthFailure) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  /** A workload issuer's JWT: accepted for any client that registered a matching credential. */
  private async withFederated(
    credentials: { clientId?: string; assertion: string; expectedAudiences: string[] },
    meta: RequestMeta,
  ): Promise<OAuthClient> {
    const identity = await this.federated.verify(
      credentials.assertion,
      credentials.clientId,
      credentials.expectedAudiences,
    );
    const client = identity.record.client;
    this.emitAuthenticated(client, 'federated', meta, {
      issuer: identity.issuer,
      subject: identity.subject,
    });
    return client;
  }

  private emitAuthenticated(
    client: OAuthClient,
    method: ClientAuthMethodUsed,
    meta: RequestMeta,
    federated?: { issuer: string; subject: string },
  ): void {
    this.events.emit('client.authenticated', {
      clientId: client.clientId,
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      reason: `authenticated with ${method}`,
      method,
      ...(federated && { issuer: federated.issuer, subject: federated.subject }),
    });
  }

  private async withSecret(
    credentials: {
      method: 'client_secret_basic' | 'client_secret_post';
      clientId: string;
      clientSecret: string;
    },
    requestId: string | undefined,
  ): Promise<OAuthClient> {
    const { clientId, clientSecret } = credentials;
    // Type-checked here too: the HTTP layer may hand over whatever a form or header contained.
    if (!isValidClientId(clientId)) throw new ClientAuthFailure('client_id missing or malformed');
    if (
      typeof clientSecret !== 'string' ||
      clientSecret.length === 0 ||
      clientSecret.length > MAX_SECRET_LENGTH
    ) {
      throw new ClientAuthFailure('client_secret missing or too long', clientId);
    }
    // The same work whatever the outcome: an unknown, disabled or keys-only client costs one
    // digest and one comparison against a dummy hash, as a known client with one secret does,
    // so the response time does not tell which client ids exist.
    const digest = this.hasher.digest(clientSecret);
    const record = await this.cache.get(clientId);
    const refusal = !record
      ? 'unknown client'
      : record.client.disabled
        ? 'client is disabled'
        : record.client.tokenEndpointAuthMethod === 'private_key_jwt'
          ? `${credentials.method} not allowed: client is registered for private_key_jwt`
          : undefined;
    if (!record || refusal !== undefined) {
      this.hasher.matchesDummy(digest);
      throw new ClientAuthFailure(refusal ?? 'unknown client', clientId);
    }
    const now = Date.now();
    // Every active secret is compared (no early exit), each comparison in constant time.
    let matched: string | undefined;
    let matchedExpired = false;
    for (const secret of record.secrets) {
      if (this.hasher.matches(digest, secret.hash)) {
        if (isSecretActive(secret, now)) matched ??= secret.id;
        else matchedExpired = true;
      }
    }
    if (matched !== undefined) {
      this.touch(record, matched, now, requestId);
      return record.client;
    }
    if (
      record.legacySecret !== undefined &&
      this.hasher.matchesPlaintext(digest, record.legacySecret)
    ) {
      await this.migrate(record, record.legacySecret, requestId);
      return record.client;
    }
    throw new ClientAuthFailure(
      matchedExpired ? 'client_secret expired' : 'client_secret does not match',
      clientId,
    );
  }

  private async withAssertion(credentials: {
    clientId?: string;
    assertion: string;
    expectedAudiences: string[];
  }): Promise<OAuthClient> {
    const { clientId } = this.assertions.peek(credentials.assertion, credentials.clientId);
    const record = await this.usableRecord(clientId);
    if (record.client.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw new ClientAuthFailure(
        'private_key_jwt not allowed: client is registered for a client secret',
        clientId,
      );
    }
    await this.assertions.verify(credentials.assertion, record, credentials.expectedAudiences);
    return record.client;
  }

  private async usableRecord(clientId: string): Promise<ClientRecord> {
    const record = await this.cache.get(clientId);
    if (!record) throw new ClientAuthFailure('unknown client', clientId);
    if (record.client.disabled) throw new ClientAuthFailure('client is disabled', clientId);
    return record;
  }

  /**
   * The FastAPI service stored secrets in plaintext. The first successful use replaces it with its hash;
   * the update is conditional on the plaintext still being there, so of concurrent first uses
   * exactly one migrates (and emits). A failed write does not fail the caller: the secret was
   * right, and the next use tries again.
   */
  private async migrate(
    record: ClientRecord,
    plaintext: string,
    requestId: string | undefined,
  ): Promise<void> {
    const clientId = record.client.clientId;
    const secretId = generateSecretId();
    try {
      const migrated = await this.repository.migrateLegacySecret(clientId, plaintext, {
        id: secretId,
        hash: this.hasher.hash(plaintext),
        created_at: new Date(),
        last_used_at: new Date(),
      });
      this.cache.invalidate(clientId);
      if (migrated) {
        this.events.emit('client.secret_migrated', {
          clientId,
          secretId,
          reason: 'legacy plaintext client_secret replaced by its hash at first use',
        });
      }
    } catch (err) {
      this.logger.error(
        { req: { id: requestId } },
        `migrating the plaintext secret of ${clientId} failed: ${String(err)}`,
      );
    }
  }

  /** Off the hot path: throttled per secret, not awaited, failures only logged. */
  private touch(
    record: ClientRecord,
    secretId: string,
    now: number,
    requestId: string | undefined,
  ): void {
    const key = `${record.client.clientId}\u0000${secretId}`;
    const stored = record.secrets.find((s) => s.id === secretId)?.last_used_at?.getTime() ?? 0;
    const last = Math.max(this.touched.get(key) ?? 0, stored);
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    if (this.touched.size >= MAX_TOUCH_ENTRIES) this.touched.clear();
    this.touched.set(key, now);
    this.repository
      .touchSecret(record.client.clientId, secretId, new Date(now))
      .catch((err: unknown) => {
        this.logger.warn(
          { req: { id: requestId } },
          `recording last use of a secret of ${record.client.clientId} failed: ${String(err)}`,
        );
      });
  }
}
