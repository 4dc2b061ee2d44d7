import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EnvironmentVariables } from './env.validation';

export type SigningAlg = EnvironmentVariables['SIGNING_ALG'];

/**
 * The validated environment, typed. The only place in the app that reads configuration
 * from the environment; everything else injects this.
 */
@Injectable()
export class AppConfig {
  constructor(private readonly config: ConfigService<EnvironmentVariables, true>) {}

  private get<K extends keyof EnvironmentVariables>(key: K): EnvironmentVariables[K] {
    return this.config.get(key, { infer: true });
  }

  get nodeEnv(): EnvironmentVariables['NODE_ENV'] {
    return this.get('NODE_ENV');
  }
  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
  get port(): number {
    return this.get('PORT');
  }
  get host(): string {
    return this.get('HOST');
  }
  /** No trailing slash, so endpoint URLs can be appended. */
  get issuer(): string {
    const issuer = this.get('ISSUER') ?? `http://localhost:${this.port}`;
    return issuer.replace(/\/+$/, '');
  }
  /** Unset means: start the embedded server. */
  get mongoUri(): string | undefined {
    return this.get('MONGODB_URI') ?? this.get('MONGODB_URL');
  }
  get mongoDbName(): string {
    return this.get('MONGODB_DB');
  }
  get embeddedDb(): { dataDir?: string; port: number; maxDataMb?: number } {
    return {
      dataDir: this.get('EMBEDDED_DB_IN_MEMORY') ? undefined : this.get('EMBEDDED_DB_DATA_DIR'),
      port: this.get('EMBEDDED_DB_PORT'),
      maxDataMb: this.get('EMBEDDED_DB_MAX_DATA_MB'),
    };
  }
  get keyEncryptionKey(): string {
    return this.get('KEY_ENCRYPTION_KEY');
  }
  get clientSecretPepper(): string {
    return this.get('CLIENT_SECRET_PEPPER');
  }
  get signingAlg(): SigningAlg {
    return this.get('SIGNING_ALG');
  }
  /** Defaults for the runtime `jwt_config` document, which overrides them. */
  get tokenDefaults(): {
    accessTokenMinutes: number;
    refreshTokenDays: number;
    maxRequestsPerMinute: number;
  } {
    return {
      accessTokenMinutes: this.get('ACCESS_TOKEN_EXPIRE_MINUTES'),
      refreshTokenDays: this.get('REFRESH_TOKEN_EXPIRE_DAYS'),
      maxRequestsPerMinute: this.get('MAX_REQUESTS_PER_MINUTE'),
    };
  }
  get auditRetentionDays(): number {
    return this.get('AUDIT_RETENTION_DAYS');
  }
  get auditFlushIntervalMs(): number {
    return this.get('AUDIT_FLUSH_INTERVAL_MS');
  }
  /** Parsed into what Fastify's `trustProxy` option accepts. */
  get trustProxy(): boolean | number | string[] {
    const raw = this.get('TRUST_PROXY').trim();
    if (raw === 'false' || raw === '') return false;
    if (raw === 'true') return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  get bootstrapAdmin(): boolean {
    return this.get('BOOTSTRAP_ADMIN');
  }
  get logLevel(): string {
    return this.get('LOG_LEVEL');
  }
  get bodyLimitBytes(): number {
    return this.get('BODY_LIMIT_BYTES');
  }
}
