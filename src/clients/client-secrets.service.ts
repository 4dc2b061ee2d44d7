import { Injectable } from '@nestjs/common';
import { ConflictError, InvalidRequestError, NotFoundError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { ClientCache } from './client-cache.service';
import { generateSecretId, generateSecretValue, isValidClientId } from './client-credentials';
import { isSecretActive, toClientRecord, toSecretView, type ClientRecord } from './client.mapper';
import type { ClientSecretView, IssuedSecret, RequestMeta } from './clients.types';
import { ClientsRepository } from './clients.repository';
import { auditReason, notFound } from './clients.service';
import type { ClientSecret } from './schemas/client.schema';
import { SecretHasher } from './secret-hasher.service';

/** Enough for any rotation scheme; a cap keeps a scripted mistake from growing a document forever. */
export const MAX_ACTIVE_SECRETS = 10;
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
const MAX_ATTEMPTS = 5;

interface SecretsChange<R> {
  secrets: ClientSecret[];
  /** Also remove the FastAPI service's plaintext secret (it was carried over as a hashed one). */
  dropLegacySecret?: boolean;
  result: R;
}

export interface RotationResult {
  secret: IssuedSecret;
  /** Secrets that stay valid until the end of the overlap. */
  expiring: ClientSecretView[];
}

/** Several active secrets per client, each with its own expiry: rotation without downtime. */
@Injectable()
export class ClientSecretsService {
  constructor(
    private readonly repository: ClientsRepository,
    private readonly cache: ClientCache,
    private readonly hasher: SecretHasher,
    private readonly events: EventBus,
  ) {}

  async add(
    clientId: string,
    opts: { expiresInSeconds?: number },
    meta?: RequestMeta,
  ): Promise<IssuedSecret> {
    const issued = await this.change(clientId, (record, now) => {
      const active = record.secrets.filter((s) => isSecretActive(s, now));
      if (active.length >= MAX_ACTIVE_SECRETS) {
        throw new ConflictError(
          `client already has ${MAX_ACTIVE_SECRETS} active secrets; expire one first`,
        );
      }
      const { stored, issued } = this.newSecret(now, opts.expiresInSeconds);
      return { secrets: [...record.secrets, stored], result: issued };
    });
    this.emit('client.secret_added', clientId, issued.id, 'secret added', meta);
    return issued;
  }

  /**
   * A new secret, and every other active one (the FastAPI service's plaintext too) expires after the
   * overlap, so deployed callers keep working until they have picked up the new secret.
   * Secrets that had already expired are dropped, which keeps the array bounded.
   */
  async rotate(
    clientId: string,
    opts: { overlapSeconds?: number },
    meta?: RequestMeta,
  ): Promise<RotationResult> {
    const overlap = opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    const result = await this.change(clientId, (record, now) => {
      const cutoff = new Date(now + overlap * 1000);
      const kept = record.secrets
        .filter((s) => isSecretActive(s, now))
        .map((s) =>
          s.expires_at !== undefined && s.expires_at !== null && s.expires_at <= cutoff
            ? s
            : { ...s, expires_at: cutoff },
        );
      if (record.legacySecret !== undefined) {
        const id = generateSecretId();
        kept.push({
          id,
          hash: this.hasher.hash(record.legacySecret),
          created_at: new Date(now),
          expires_at: cutoff,
        });
      }
      const { stored, issued } = this.newSecret(now);
      return {
        secrets: [...kept, stored],
        dropLegacySecret: record.legacySecret !== undefined,
        result: { secret: issued, expiring: kept.map((s) => toSecretView(s, now)) },
      };
    });
    this.emit(
      'client.secret_added',
      clientId,
      result.secret.id,
      `secret rotated (overlap ${overlap}s)`,
      meta,
    );
    for (const old of result.expiring) {
      this.emit(
        'client.secret_expired',
        clientId,
        old.id,
        `secret expires at ${old.expiresAt?.toISOString()} (rotation)`,
        meta,
      );
    }
    return result;
  }

  /** Ends a secret's validity now. Expiring an already expired secret changes nothing. */
  async expire(clientId: string, secretId: string, meta?: RequestMeta): Promise<ClientSecretView> {
    if (typeof secretId !== 'string') throw new NotFoundError('secret not found');
    const { view, changed } = await this.change(clientId, (record, now) => {
      const target = record.secrets.find((s) => s.id === secretId);
      if (!target)
        throw new NotFoundError(
          `secret "${/^[\w-]{1,64}$/.test(secretId) ? secretId : '?'}" not found`,
        );
      if (!isSecretActive(target, now)) {
        return {
          secrets: record.secrets,
          result: { view: toSecretView(target, now), changed: false },
        };
      }
      const expired = { ...target, expires_at: new Date(now) };
      return {
        secrets: record.secrets.map((s) => (s.id === secretId ? expired : s)),
        result: { view: toSecretView(expired, now), changed: true },
      };
    });
    if (changed) this.emit('client.secret_expired', clientId, secretId, 'secret expired', meta);
    return view;
  }

  private newSecret(
    now: number,
    expiresInSeconds?: number,
  ): { stored: ClientSecret; issued: IssuedSecret } {
    if (
      expiresInSeconds !== undefined &&
      !(Number.isInteger(expiresInSeconds) && expiresInSeconds > 0)
    ) {
      throw new InvalidRequestError('expires_in must be a positive integer');
    }
    const id = generateSecretId();
    const value = generateSecretValue();
    const expiresAt =
      expiresInSeconds === undefined ? undefined : new Date(now + expiresInSeconds * 1000);
    return {
      stored: {
        id,
        hash: this.hasher.hash(value),
        created_at: new Date(now),
        ...(expiresAt && { expires_at: expiresAt }),
      },
      issued: { id, value, ...(expiresAt && { expiresAt }) },
    };
  }

  /** Read, compute, write if unchanged (optimistic concurrency on `revision`), retry on a race. */
  private async change<R>(
    clientId: string,
    compute: (record: ClientRecord, now: number) => SecretsChange<R>,
  ): Promise<R> {
    if (!isValidClientId(clientId)) throw notFound(clientId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await this.repository.findByClientId(clientId);
      if (!doc) throw notFound(clientId);
      const record = toClientRecord(doc);
      if (record.client.tokenEndpointAuthMethod === 'private_key_jwt') {
        throw new InvalidRequestError(
          'this client authenticates with private_key_jwt and has no secrets',
        );
      }
      const change = compute(record, Date.now());
      if (change.secrets === record.secrets && !change.dropLegacySecret) return change.result;
      const written = await this.repository.replaceSecretsIfUnchanged(
        clientId,
        record.revision,
        change.secrets,
        change.dropLegacySecret,
      );
      if (written) {
        this.cache.invalidate(clientId);
        return change.result;
      }
    }
    throw new ConflictError('the client changed concurrently; retry');
  }

  private emit(
    name: 'client.secret_added' | 'client.secret_expired',
    clientId: string,
    secretId: string,
    what: string,
    meta?: RequestMeta,
  ): void {
    this.events.emit(name, {
      clientId,
      secretId,
      reason: auditReason(what, meta),
      ip: meta?.ip,
      requestId: meta?.requestId,
    });
  }
}
