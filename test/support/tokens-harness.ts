import { JwtService } from '@nestjs/jwt';
import mongoose, { type Connection } from 'mongoose';
import type { EventBus } from '../../src/common/events';
import type { AppConfig } from '../../src/config/app-config.service';
import type {
  RuntimeConfigService,
  RuntimeSettings,
} from '../../src/config/runtime-config.service';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { AccessTokenService } from '../../src/tokens/access-token.service';
import { IntrospectionService } from '../../src/tokens/introspection.service';
import { RefreshTokenRepository } from '../../src/tokens/refresh-token.repository';
import { RefreshTokenService } from '../../src/tokens/refresh-token.service';
import { RevocationRepository } from '../../src/tokens/revocation.repository';
import { RevocationService } from '../../src/tokens/revocation.service';
import { RefreshToken, RefreshTokenSchema } from '../../src/tokens/schemas/refresh-token.schema';
import { RevokedToken, RevokedTokenSchema } from '../../src/tokens/schemas/revoked-token.schema';
import {
  RefreshGracePair,
  RefreshGracePairSchema,
} from '../../src/tokens/schemas/refresh-grace-pair.schema';
import { RefreshGracePairRepository } from '../../src/tokens/refresh-grace-pair.repository';
import { RefreshGraceService } from '../../src/tokens/refresh-grace.service';
import {
  KeyRotationLease,
  KeyRotationLeaseSchema,
} from '../../src/tokens/schemas/key-rotation-lease.schema';
import { KeyRotationRepository } from '../../src/tokens/key-rotation.repository';
import { KeyRotationService } from '../../src/tokens/key-rotation.service';
import { SigningKey, SigningKeySchema } from '../../src/tokens/schemas/signing-key.schema';
import {
  UsedRefreshToken,
  UsedRefreshTokenSchema,
} from '../../src/tokens/schemas/used-refresh-token.schema';
import { SigningKeyRepository } from '../../src/tokens/signing-key.repository';
import { SigningKeyService } from '../../src/tokens/signing-key.service';
import { TokensClock } from '../../src/tokens/tokens.clock';
import { UsedRefreshTokenRepository } from '../../src/tokens/used-refresh-token.repository';

export const TEST_ISSUER = 'https://as.test';

/** A clock tests move by hand. */
export class FakeClock extends TokensClock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {
    super();
  }
  override now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface RecordedBus {
  bus: EventBus;
  emitted: { name: string; payload: Record<string, unknown> }[];
  named(name: string): Record<string, unknown>[];
}

export function recordingBus(): RecordedBus {
  const emitted: RecordedBus['emitted'] = [];
  const bus = {
    emit: (name: string, payload: Record<string, unknown>) => emitted.push({ name, payload }),
  } as unknown as EventBus;
  return {
    bus,
    emitted,
    named: (name) => emitted.filter((e) => e.name === name).map((e) => e.payload),
  };
}

export function fakeAppConfig(
  overrides: Partial<Record<keyof AppConfig, unknown>> = {},
): AppConfig {
  return {
    issuer: TEST_ISSUER,
    keyEncryptionKey: 'test-key-encryption-key',
    signingAlg: 'ES256',
    ...overrides,
  } as unknown as AppConfig;
}

export function fakeRuntime(settings: Partial<RuntimeSettings> = {}): RuntimeConfigService & {
  current: RuntimeSettings;
} {
  return {
    current: {
      algorithm: 'ES256',
      secretKey: 'legacy-secret',
      accessTokenMinutes: 15,
      refreshTokenDays: 30,
      maxRequestsPerMinute: 60,
      ...settings,
    },
  } as unknown as RuntimeConfigService & { current: RuntimeSettings };
}

/** An in-process embedded server and a Mongoose connection with the tokens' models. */
export interface TokensDb {
  connection: Connection;
  models: {
    keys: mongoose.Model<SigningKey>;
    refresh: mongoose.Model<RefreshToken>;
    used: mongoose.Model<UsedRefreshToken>;
    revoked: mongoose.Model<RevokedToken>;
    gracePairs: mongoose.Model<RefreshGracePair>;
    leases: mongoose.Model<KeyRotationLease>;
  };
  stop(): Promise<void>;
}

export async function startTokensDb(dbName = 'tokens_test'): Promise<TokensDb> {
  const server = await startEmbeddedMongo({ port: 0, logger: false });
  const connection = await mongoose
    .createConnection(server.uri, { dbName, autoIndex: true })
    .asPromise();
  const models = {
    keys: connection.model(SigningKey.name, SigningKeySchema),
    refresh: connection.model(RefreshToken.name, RefreshTokenSchema),
    used: connection.model(UsedRefreshToken.name, UsedRefreshTokenSchema),
    revoked: connection.model(RevokedToken.name, RevokedTokenSchema),
    gracePairs: connection.model(RefreshGracePair.name, RefreshGracePairSchema),
    leases: connection.model(KeyRotationLease.name, KeyRotationLeaseSchema),
  };
  await Promise.all(Object.values(models).map((m) => m.init()));
  return {
    connection,
    models,
    stop: async () => {
      await connection.close();
      await server.stop();
    },
  };
}

/** One app instance's token services over a shared database (several may share one TokensDb). */
export interface TokenServices {
  clock: FakeClock;
  events: RecordedBus;
  runtime: ReturnType<typeof fakeRuntime>;
  keys: SigningKeyService;
  revocation: RevocationService;
  accessTokens: AccessTokenService;
  refreshTokens: RefreshTokenService;
  introspection: IntrospectionService;
  keyRotation: KeyRotationService;
  init(): Promise<void>;
  shutdown(): void;
}

export function tokenServices(
  db: TokensDb,
  opts: {
    clock?: FakeClock;
    runtime?: Partial<RuntimeSettings>;
    config?: Parameters<typeof fakeAppConfig>[0];
  } = {},
): TokenServices {
  const clock = opts.clock ?? new FakeClock();
  const events = recordingBus();
  const runtime = fakeRuntime(opts.runtime);
  const config = fakeAppConfig(opts.config);
  const refreshRepo = new RefreshTokenRepository(db.models.refresh);
  const usedRepo = new UsedRefreshTokenRepository(db.models.used);
  const keys = new SigningKeyService(
    new SigningKeyRepository(db.models.keys),
    config,
    clock,
    events.bus,
  );
  const revocation = new RevocationService(
    new RevocationRepository(db.models.revoked),
    refreshRepo,
    clock,
    events.bus,
  );
  const accessTokens = new AccessTokenService(
    config,
    runtime,
    keys,
    revocation,
    clock,
    new JwtService(),
  );
  const refreshTokens = new RefreshTokenService(
    refreshRepo,
    usedRepo,
    revocation,
    runtime,
    clock,
    events.bus,
    new RefreshGraceService(new RefreshGracePairRepository(db.models.gracePairs), clock, config),
  );
  const introspection = new IntrospectionService(accessTokens, refreshRepo, clock);
  const keyRotation = new KeyRotationService(
    keys,
    new KeyRotationRepository(db.models.leases),
    clock,
    config,
  );
  return {
    keyRotation,
    clock,
    events,
    runtime,
    keys,
    revocation,
    accessTokens,
    refreshTokens,
    introspection,
    init: async () => {
      await keys.onModuleInit();
      await revocation.onModuleInit();
      await refreshTokens.onModuleInit();
    },
    shutdown: () => {
      keys.onApplicationShutdown();
      revocation.onApplicationShutdown();
    },
  };
}

/** Two instances on one fresh database, the second on the first one's clock, both initialised. */
export async function startTwoInstances(
  dbName: string,
): Promise<{ db: TokensDb; a: TokenServices; b: TokenServices }> {
  const db = await startTokensDb(dbName);
  const a = tokenServices(db);
  await a.init();
  const b = tokenServices(db, { clock: a.clock });
  await b.init();
  return { db, a, b };
}

/** Stops the instances' pollers, then the database under them. */
export async function stopInstances(db: TokensDb, ...instances: TokenServices[]): Promise<void> {
  for (const s of instances) s.shutdown();
  await db.stop();
}
