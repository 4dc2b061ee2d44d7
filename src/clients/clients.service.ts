import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConflictError, InvalidRequestError, NotFoundError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import { ClientCache } from './client-cache.service';
import {
  generateClientId,
  generateSecretId,
  generateSecretValue,
  isValidClientId,
  MAX_SECRET_LENGTH,
} from './client-credentials';
import {
  DEFAULT_AUTH_METHOD,
  DEFAULT_GRANT_TYPES,
  toClientRecord,
  toClientView,
  toFederatedCredentialDocs,
} from './client.mapper';
import type {
  ClientJwks,
  ClientPage,
  ClientView,
  CreateClientInput,
  FederatedCredential,
  IssuedSecret,
  OAuthClient,
  RequestMeta,
  TokenEndpointAuthMethod,
  UpdateClientInput,
} from './clients.types';
import { ClientsRepository, type ClientSettings } from './clients.repository';
import { assertFederatedCredentials } from './federated-credentials.validator';
import { checkExchangePolicy } from './token-exchange-policy.validator';
import { assertPublicJwks } from './jwks.validator';
import { AppConfig } from '../config/app-config.service';
import type { Client } from './schemas/client.schema';
import { SecretHasher } from './secret-hasher.service';
import { RevocationService } from '../tokens/revocation.service';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

const unique = <T>(values: T[]): T[] => [...new Set(values)];

export const auditReason = (what: string, meta?: RequestMeta): string =>
  meta?.actor ? `${what} by ${meta.actor}` : what;

/**
 * The client registry. Request shapes are validated by the DTOs (API and CLI alike); this
 * service enforces what spans fields (auth method vs. keys and secrets) and owns every write,
 * so it can invalidate the cache and emit the audit event for each one.
 */
@Injectable()
export class ClientsService implements OnModuleInit {
  constructor(
    private readonly repository: ClientsRepository,
    private readonly cache: ClientCache,
    private readonly hasher: SecretHasher,
    private readonly events: EventBus,
    private readonly revocation: RevocationService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A client-wide revocation made on another instance (a demotion, a deletion) reaches this
   * instance through the revocation poll; the cached record goes with it, so tokens minted here
   * afterwards carry the new role and scopes.
   */
  onModuleInit(): void {
    this.revocation.onClientCutoff((clientId) => this.cache.invalidate(clientId));
  }

  async isEmpty(): Promise<boolean> {
    return !(await this.repository.hasAny());
  }

  /** The hot-path read (cached, see ClientCache): null when unknown or disabled. */
  async findActive(clientId: string): Promise<OAuthClient | null> {
    if (!isValidClientId(clientId)) return null;
    const record = await this.cache.get(clientId);
    return record && !record.client.disabled ? record.client : null;
  }

  async create(
    input: CreateClientInput,
    meta?: RequestMeta,
  ): Promise<{ client: ClientView; secret?: IssuedSecret }> {
    const clientId = input.clientId ?? generateClientId();
    if (!isValidClientId(clientId)) {
      throw new InvalidRequestError('client_id must match ^[A-Za-z0-9._:-]{1,128}$');
    }
    const method = input.tokenEndpointAuthMethod ?? DEFAULT_AUTH_METHOD;
    const federated = this.checkFederated(input.federatedCredentials);
    const jwks = this.checkKeys(method, input.jwks, federated.length > 0);
    if (method === 'private_key_jwt' && input.secret !== undefined) {
      throw new InvalidRequestError('a private_key_jwt client has no secret');
    }
    if (
      input.secret !== undefined &&
      (input.secret.length < 8 || input.secret.length > MAX_SECRET_LENGTH)
    ) {
      throw new InvalidRequestError(
        `an imported secret must be 8 to ${MAX_SECRET_LENGTH} characters`,
      );
    }
    const now = new Date();
    const secret: IssuedSecret | undefined =
      method === 'private_key_jwt'
        ? undefined
        : { id: generateSecretId(), value: input.secret ?? generateSecretValue() };
    const doc: Client = {
      client_id: clientId,
      ...(input.name !== undefined && { name: input.name }),
      scopes: unique(input.scopes),
      role: input.role,
      audiences: unique(input.audiences ?? []),
      grant_types: unique(input.grantTypes ?? DEFAULT_GRANT_TYPES),
      token_endpoint_auth_method: method,
      ...(jwks && { jwks }),
      ...(federated.length > 0 && { federated_credentials: toFederatedCredentialDocs(federated) }),
      ...(input.tokenExchange && { token_exchange: checkExchangePolicy(input.tokenExchange) }),
      refresh_tokens: input.refreshTokens ?? false,
      ...(input.dpopBoundAccessTokens && { dpop_bound_access_tokens: true }),
      ...(input.dpopNonceRequired && { dpop_nonce_required: true }),
      ...(input.accessTokenTtlSeconds !== undefined && {
        access_token_ttl_seconds: input.accessTokenTtlSeconds,
      }),
      ...(input.refreshGraceSeconds !== undefined && {
        refresh_grace_seconds: input.refreshGraceSeconds,
      }),
      disabled: false,
      secrets: secret
        ? [{ id: secret.id, hash: this.hasher.hash(secret.value), created_at: now }]
        : [],
      revision: 0,
      created_at: now,
      updated_at: now,
    };
    if (!(await this.repository.insert(doc))) {
      throw new ConflictError(`client "${clientId}" already exists`);
    }
    // A lookup of this id may have cached "unknown" a moment ago.
    this.cache.invalidate(clientId);
    this.events.emit('client.created', {
      clientId,
      ...(secret && { secretId: secret.id }),
      reason: auditReason('client created', meta),
      ip: meta?.ip,
      requestId: meta?.requestId,
    });
    return { client: toClientView(toClientRecord(doc)), ...(secret && { secret }) };
  }

  /** Admin reads go to the database, not the cache: an operator must see the current state. */
  async get(clientId: string): Promise<ClientView> {
    return toClientView(toClientRecord(await this.requireDoc(clientId)));
  }

  async list(opts: { limit?: number; cursor?: string } = {}): Promise<ClientPage> {
    const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const docs = await this.repository.listAfter(after, limit + 1);
    const now = Date.now();
    const items = docs.slice(0, limit).map((d) => toClientView(toClientRecord(d), now));
    const last = items.at(-1);
    return {
      items,
      ...(docs.length > limit && last && { nextCursor: encodeCursor(last.clientId) }),
    };
  }

  async update(
    clientId: string,
    patch: UpdateClientInput,
    meta?: RequestMeta,
  ): Promise<ClientView> {
    const current = toClientRecord(await this.requireDoc(clientId));
    const method = patch.tokenEndpointAuthMethod ?? current.client.tokenEndpointAuthMethod;
    const jwks = patch.jwks === undefined ? current.jwks : (patch.jwks ?? undefined);
    const federated =
      patch.federatedCredentials === undefined
        ? current.federatedCredentials
        : this.checkFederated(patch.federatedCredentials ?? []);
    const checkedJwks = this.checkKeys(method, jwks, federated.length > 0);

    const set: ClientSettings = {};
    const unset: (keyof ClientSettings)[] = [];
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.scopes !== undefined) set.scopes = unique(patch.scopes);
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.audiences !== undefined) set.audiences = unique(patch.audiences);
    if (patch.grantTypes !== undefined) set.grant_types = unique(patch.grantTypes);
    if (patch.tokenEndpointAuthMethod !== undefined)
      set.token_endpoint_auth_method = patch.tokenEndpointAuthMethod;
    if (patch.refreshTokens !== undefined) set.refresh_tokens = patch.refreshTokens;
    if (patch.dpopBoundAccessTokens !== undefined)
      set.dpop_bound_access_tokens = patch.dpopBoundAccessTokens;
    if (patch.dpopNonceRequired !== undefined) set.dpop_nonce_required = patch.dpopNonceRequired;
    if (patch.disabled !== undefined) set.disabled = patch.disabled;
    if (patch.accessTokenTtlSeconds === null) unset.push('access_token_ttl_seconds');
    else if (patch.accessTokenTtlSeconds !== undefined)
      set.access_token_ttl_seconds = patch.accessTokenTtlSeconds;
    if (patch.refreshGraceSeconds !== undefined)
      set.refresh_grace_seconds = patch.refreshGraceSeconds;
    if (patch.jwks === null) unset.push('jwks');
    else if (patch.jwks !== undefined && checkedJwks) set.jwks = checkedJwks;
    if (patch.tokenExchange === null) unset.push('token_exchange');
    else if (patch.tokenExchange !== undefined)
      set.token_exchange = checkExchangePolicy(patch.tokenExchange);
    if (patch.federatedCredentials !== undefined) {
      if (federated.length === 0) unset.push('federated_credentials');
      else set.federated_credentials = toFederatedCredentialDocs(federated);
    }

    const changed = [...Object.keys(set), ...unset];
    const doc = await this.repository.updateSettings(clientId, set, unset);
    if (!doc) throw notFound(clientId);
    this.cache.invalidate(clientId);
    if (patch.disabled === true || narrowsGrant(current.client, set)) {
      await this.revocation.revokeAllForClient(clientId, meta);
    }
    const verb =
      patch.disabled === true
        ? 'client disabled'
        : patch.disabled === false
          ? 'client enabled'
          : 'client updated';
    const fields = changed.filter((f) => f !== 'disabled');
    this.events.emit('client.updated', {
      clientId,
      reason: auditReason(
        fields.length > 0 || patch.disabled === undefined
          ? `${verb} (${fields.join(', ') || 'no fields'})`
          : verb,
        meta,
      ),
      ip: meta?.ip,
      requestId: meta?.requestId,
    });
    return toClientView(toClientRecord(doc));
  }

  disable(clientId: string, meta?: RequestMeta): Promise<ClientView> {
    return this.update(clientId, { disabled: true }, meta);
  }

  enable(clientId: string, meta?: RequestMeta): Promise<ClientView> {
    return this.update(clientId, { disabled: false }, meta);
  }

  async delete(clientId: string, meta?: RequestMeta): Promise<void> {
    if (!isValidClientId(clientId) || !(await this.repository.deleteByClientId(clientId))) {
      throw notFound(clientId);
    }
    this.cache.invalidate(clientId);
    await this.revocation.revokeAllForClient(clientId, meta);
    this.events.emit('client.deleted', {
      clientId,
      reason: auditReason('client deleted', meta),
      ip: meta?.ip,
      requestId: meta?.requestId,
    });
  }

  private checkFederated(list: unknown): FederatedCredential[] {
    return list === undefined
      ? []
      : assertFederatedCredentials(list, this.config.nodeEnv === 'production');
  }

  private async requireDoc(clientId: string): Promise<Client> {
    const doc = isValidClientId(clientId) ? await this.repository.findByClientId(clientId) : null;
    if (!doc) throw notFound(clientId);
    return doc;
  }

  /**
   * private_key_jwt needs keys to verify with: its own jwks, or the keys of a federated issuer
   * (a secretless workload client). A registered key set must be public keys only.
   */
  private checkKeys(
    method: TokenEndpointAuthMethod,
    jwks: ClientJwks | undefined,
    federated: boolean,
  ): ClientJwks | undefined {
    if (method === 'private_key_jwt' && !jwks && !federated) {
      // The message predates federation and clients parse it; federated_credentials also satisfy it.
      throw new InvalidRequestError('token_endpoint_auth_method private_key_jwt requires jwks');
    }
    return jwks === undefined ? undefined : assertPublicJwks(jwks);
  }
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v) => b.includes(v));

/**
 * A change of role, scopes or audiences revokes the client's live tokens (access and refresh):
 * tokens carry their role and scopes, so keeping them would let a demoted client act with its
 * old rights until they expire. Simpler to reason about than re-checking every claim on use.
 */
function narrowsGrant(current: OAuthClient, set: ClientSettings): boolean {
  return (
    (set.role !== undefined && set.role !== current.role) ||
    (set.scopes !== undefined && !sameSet(set.scopes, current.scopes)) ||
    (set.audiences !== undefined && !sameSet(set.audiences, current.audiences))
  );
}

export const notFound = (clientId: string): NotFoundError =>
  new NotFoundError(`client "${isValidClientId(clientId) ? clientId : '?'}" not found`);

/** Opaque to callers; it is the last client_id of the page (keyset pagination). */
const encodeCursor = (clientId: string): string =>
  Buffer.from(clientId, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const clientId =
    typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!isValidClientId(clientId)) throw new InvalidRequestError('cursor is not valid');
  return clientId;
}
