import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from './app-config.service';
import { RuntimeConfigRepository } from './runtime-config.repository';
import type { JwtConfig } from './schemas/jwt-config.schema';

/** HS256 is the FastAPI service's mode; the others mean "the key store" (EdDSA is no longer one). */
export const TOKEN_ALGORITHMS = ['HS256', 'ES256', 'RS256', 'PS256'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** The effective settings: the `jwt_config` document merged over the environment defaults. */
export interface RuntimeSettings {
  /** HS256 (the FastAPI service's mode) signs with secretKey; anything else signs with the key store. */
  algorithm: TokenAlgorithm;
  secretKey: string;
  accessTokenMinutes: number;
  refreshTokenDays: number;
  maxRequestsPerMinute: number;
}

export type RuntimeSettingsPatch = Partial<
  Pick<
    RuntimeSettings,
    'accessTokenMinutes' | 'refreshTokenDays' | 'maxRequestsPerMinute' | 'algorithm'
  >
>;

/** Other instances pick up an admin change within this interval. */
const REFRESH_INTERVAL_MS = 5_000;

const positive = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;

@Injectable()
export class RuntimeConfigService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RuntimeConfigService.name);
  private settings: RuntimeSettings;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly env: AppConfig,
    private readonly repository: RuntimeConfigRepository,
  ) {
    this.settings = this.merge(null);
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) =>
        this.logger.warn(`config refresh failed: ${String(err)}`),
      );
    }, REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Synchronous on purpose: read on every request, so it must never wait for the database. */
  get current(): RuntimeSettings {
    return this.settings;
  }

  /** Creates the `jwt_config` document on an empty database; an existing one is left untouched. */
  async ensureStored(): Promise<void> {
    const defaults = this.env.tokenDefaults;
    await this.repository.insertJwtConfigIfMissing({
      SECRET_KEY: randomBytes(32).toString('base64url'),
      ALGORITHM: this.env.signingAlg,
      ACCESS_TOKEN_EXPIRE_MINUTES: defaults.accessTokenMinutes,
      MAX_REQUESTS_PER_MINUTE: defaults.maxRequestsPerMinute,
      REFRESH_TOKEN_EXPIRE_DAYS: defaults.refreshTokenDays,
    });
    await this.reload();
  }

  async update(patch: RuntimeSettingsPatch): Promise<RuntimeSettings> {
    const doc = await this.repository.updateJwtConfig({
      ...(patch.algorithm !== undefined && { ALGORITHM: patch.algorithm }),
      ...(patch.accessTokenMinutes !== undefined && {
        ACCESS_TOKEN_EXPIRE_MINUTES: patch.accessTokenMinutes,
      }),
      ...(patch.refreshTokenDays !== undefined && {
        REFRESH_TOKEN_EXPIRE_DAYS: patch.refreshTokenDays,
      }),
      ...(patch.maxRequestsPerMinute !== undefined && {
        MAX_REQUESTS_PER_MINUTE: patch.maxRequestsPerMinute,
      }),
      UPDATED_AT: new Date(),
    });
    this.settings = this.merge(doc);
    return this.settings;
  }

  async reload(): Promise<RuntimeSettings> {
    this.settings = this.merge(await this.repository.findJwtConfig());
    return this.settings;
  }

  private merge(doc: JwtConfig | null): RuntimeSettings {
    const defaults = this.env.tokenDefaults;
    const algorithm = TOKEN_ALGORITHMS.find((a) => a === doc?.ALGORITHM) ?? this.env.signingAlg;
    if (doc?.ALGORITHM !== undefined && doc.ALGORITHM !== algorithm) {
      this.logger.warn(
        `jwt_config.ALGORITHM "${doc.ALGORITHM}" is not supported; using ${algorithm}`,
      );
    }
    return {
      algorithm,
      // Only meaningful in HS256 mode; a missing key there is caught when signing.
      secretKey: typeof doc?.SECRET_KEY === 'string' ? doc.SECRET_KEY : '',
      accessTokenMinutes: positive(doc?.ACCESS_TOKEN_EXPIRE_MINUTES) ?? defaults.accessTokenMinutes,
      refreshTokenDays: positive(doc?.REFRESH_TOKEN_EXPIRE_DAYS) ?? defaults.refreshTokenDays,
      maxRequestsPerMinute: positive(doc?.MAX_REQUESTS_PER_MINUTE) ?? defaults.maxRequestsPerMinute,
    };
  }
}
