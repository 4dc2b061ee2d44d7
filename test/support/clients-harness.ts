import { JwtService } from '@nestjs/jwt';
import { ClientAssertionJtisRepository } from '../../src/clients/client-assertion-jtis.repository';
import { ClientAssertionVerifier } from '../../src/clients/client-assertion.verifier';
import { ClientAuthService } from '../../src/clients/client-auth.service';
import { ClientCache } from '../../src/clients/client-cache.service';
import { ClientSecretsService } from '../../src/clients/client-secrets.service';
import type { ClientsRepository } from '../../src/clients/clients.repository';
import { ClientsService } from '../../src/clients/clients.service';
import { SecretHasher } from '../../src/clients/secret-hasher.service';
import { FederatedAssertionVerifier } from '../../src/clients/federated-assertion.verifier';
import { IssuerKeys } from '../../src/clients/issuer-keys.service';
import type { EventBus } from '../../src/common/events';
import type { DomainEventName, DomainEvents } from '../../src/common/events';
import type { AppConfig } from '../../src/config/app-config.service';
import type { RevocationService } from '../../src/tokens/revocation.service';
import { InMemoryClientsRepository } from './in-memory-clients.repository';

export class RecordingEventBus {
  readonly emitted: { name: DomainEventName; payload: unknown }[] = [];

  emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    this.emitted.push({ name, payload });
  }

  named<K extends DomainEventName>(name: K): DomainEvents[K][] {
    return this.emitted.filter((e) => e.name === name).map((e) => e.payload as DomainEvents[K]);
  }
}

export class InMemoryJtis {
  readonly seen = new Map<string, Date>();

  recordOnce(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const key = `${clientId}\u0000${jti}`;
    if (this.seen.has(key)) return Promise.resolve(false);
    this.seen.set(key, expiresAt);
    return Promise.resolve(true);
  }
}

/** Records the client-wide revocations the clients service asks for. */
export class RecordingRevocation {
  readonly revokedClients: string[] = [];

  revokeAllForClient(
    clientId: string,
  ): Promise<{ revokedBefore: Date; refreshTokensRevoked: number }> {
    this.revokedClients.push(clientId);
    return Promise.resolve({ revokedBefore: new Date(), refreshTokensRevoked: 0 });
  }

  onClientCutoff(): void {}
}

export const TEST_PEPPER = 'unit-test-pepper-0123456789';

const TEST_FEDERATION: AppConfig['federation'] = {
  fetchTimeoutMs: 1_000,
  fetchMaxBytes: 65_536,
  minCacheSeconds: 1,
  maxCacheSeconds: 60,
  refreshIntervalSeconds: 0,
};

/** The clients module's services wired by hand over in-memory fakes, for unit specs. */
export function createClientsHarness() {
  const repository = new InMemoryClientsRepository();
  const repo = repository as unknown as ClientsRepository;
  const events = new RecordingEventBus();
  const bus = events as unknown as EventBus;
  const jtis = new InMemoryJtis();
  const cache = new ClientCache(repo);
  const hasher = new SecretHasher({ clientSecretPepper: TEST_PEPPER } as AppConfig);
  const verifier = new ClientAssertionVerifier(
    jtis as unknown as ClientAssertionJtisRepository,
    new JwtService(),
  );
  const revocation = new RecordingRevocation();
  return {
    revocation,
    repository,
    events,
    jtis,
    cache,
    hasher,
    clients: new ClientsService(
      repo,
      cache,
      hasher,
      bus,
      revocation as unknown as RevocationService,
      { nodeEnv: 'test' } as AppConfig,
    ),
    secrets: new ClientSecretsService(repo, cache, hasher, bus),
    auth: new ClientAuthService(
      cache,
      repo,
      hasher,
      verifier,
      bus,
      new FederatedAssertionVerifier(
        repo,
        cache,
        new IssuerKeys({ nodeEnv: 'test', federation: TEST_FEDERATION } as AppConfig),
        jtis as unknown as ClientAssertionJtisRepository,
        new JwtService(),
      ),
    ),
  };
}
