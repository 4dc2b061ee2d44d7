import { availableParallelism } from 'node:os';
import type { EnvironmentVariables } from './env.validation';

export type SigningAlg = EnvironmentVariables['SIGNING_ALG'];

/** Reads one validated variable: from ConfigService inside the app, from the object before it. */
export type EnvReader = <K extends keyof EnvironmentVariables>(key: K) => EnvironmentVariables[K];

/** What Fastify's `trustProxy` option accepts. */
export type TrustProxy = boolean | number | string;

/**
 * The validated environment, derived once into the values the code uses. The only place in the
 * app that reads configuration; main.ts, the cluster primary and the Fastify options get the same
 * object before Nest exists (`loadEnv`), everything inside the app injects it.
 */
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  /** No trailing slash, so endpoint URLs can be appended. */
  readonly issuer: string;
  /** The database target: a real MongoDB when set; unset means the embedded server. */
  readonly mongoUri: string | undefined;
  readonly mongoDbName: string;
  /** How long the first connection may take before start-up fails (one attempt, no retries). */
  readonly mongoConnectTimeoutMs: number;
  /** The embedded server's options; `dataDir` undefined keeps everything in memory. */
  readonly embeddedDb: { dataDir?: string; port: number; maxDataMb?: number };
  /** HTTP worker processes; 1 serves from this process. */
  readonly workers: number;
  readonly trustProxy: TrustProxy;
  readonly bodyLimitBytes: number;
  readonly keyEncryptionKey: string;
  readonly clientSecretPepper: string;
  readonly signingAlg: SigningAlg;
  /** Scheduled signing-key rotation period; 0: manual rotation only. */
  readonly keyRotationDays: number;
  /** Defaults for the runtime `jwt_config` document, which overrides them. */
  readonly tokenDefaults: {
    accessTokenMinutes: number;
    refreshTokenDays: number;
    maxRequestsPerMinute: number;
  };
  /** Failed client authentications one source IP may make per minute, across all client ids. */
  readonly maxFailedAuthPerIpPerMinute: number;
  readonly auditRetentionDays: number;
  readonly auditFlushIntervalMs: number;
  readonly bootstrapAdmin: boolean;
  readonly logLevel: string;
  readonly logFormat: EnvironmentVariables['LOG_FORMAT'];
  /** Transport limits: one budget for headers and body, the keep-alive idle time, a connection cap. */
  readonly http: { requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  /** 0: no Strict-Transport-Security header. */
  readonly hstsMaxAgeSeconds: number;
  /** Label token counters by client_id (a directory of clients; off by default). */
  readonly metricsClientLabel: boolean;
  /** When set, /metrics requires a bearer token carrying this scope. */
  readonly metricsScope: string | undefined;
  /** DPoP (RFC 9449): nonces required for every client, and the accepted age of a proof. */
  readonly dpop: { nonceRequired: boolean; proofMaxAgeSeconds: number };
  /** How issuer documents of federated credentials are fetched and cached. */
  readonly federation: {
    fetchTimeoutMs: number;
    fetchMaxBytes: number;
    minCacheSeconds: number;
    maxCacheSeconds: number;
    refreshIntervalSeconds: number;
  };

  constructor(read: EnvReader) {
    this.nodeEnv = read('NODE_ENV');
    this.port = read('PORT');
    this.host = read('HOST');
    this.issuer = (read('ISSUER') ?? `http://localhost:${this.port}`).replace(/\/+$/, '');
    this.mongoUri = read('MONGODB_URI') ?? read('MONGODB_URL');
    this.mongoDbName = read('MONGODB_DB');
    this.mongoConnectTimeoutMs = read('MONGODB_CONNECT_TIMEOUT_MS');
    this.embeddedDb = {
      dataDir: read('EMBEDDED_DB_IN_MEMORY') ? undefined : read('EMBEDDED_DB_DATA_DIR'),
      port: read('EMBEDDED_DB_PORT'),
      maxDataMb: read('EMBEDDED_DB_MAX_DATA_MB'),
    };
    this.workers = resolveWorkers(read('WORKERS'), availableParallelism());
    this.trustProxy = parseTrustProxy(read('TRUST_PROXY'));
    this.bodyLimitBytes = read('BODY_LIMIT_BYTES');
    this.keyEncryptionKey = read('KEY_ENCRYPTION_KEY');
    this.clientSecretPepper = read('CLIENT_SECRET_PEPPER');
    this.signingAlg = read('SIGNING_ALG');
    this.keyRotationDays = read('KEY_ROTATION_DAYS');
    this.tokenDefaults = {
      accessTokenMinutes: read('ACCESS_TOKEN_EXPIRE_MINUTES'),
      refreshTokenDays: read('REFRESH_TOKEN_EXPIRE_DAYS'),
      maxRequestsPerMinute: read('MAX_REQUESTS_PER_MINUTE'),
    };
    this.maxFailedAuthPerIpPerMinute = read('MAX_FAILED_AUTH_PER_IP_PER_MINUTE');
    this.auditRetentionDays = read('AUDIT_RETENTION_DAYS');
    this.auditFlushIntervalMs = read('AUDIT_FLUSH_INTERVAL_MS');
    this.bootstrapAdmin = read('BOOTSTRAP_ADMIN');
    this.logLevel = read('LOG_LEVEL');
    this.logFormat = read('LOG_FORMAT');
    this.http = {
      requestTimeoutMs: read('HTTP_REQUEST_TIMEOUT_MS'),
      keepAliveTimeoutMs: read('HTTP_KEEP_ALIVE_TIMEOUT_MS'),
      maxConnections: read('HTTP_MAX_CONNECTIONS'),
    };
    this.hstsMaxAgeSeconds = read('HSTS_MAX_AGE_SECONDS');
    this.metricsClientLabel = read('METRICS_CLIENT_LABEL');
    this.metricsScope = read('METRICS_SCOPE');
    this.dpop = {
      nonceRequired: read('DPOP_NONCE_REQUIRED'),
      proofMaxAgeSeconds: read('DPOP_PROOF_MAX_AGE_SECONDS'),
    };
    const minCacheSeconds = read('FEDERATION_JWKS_MIN_CACHE_SECONDS');
    this.federation = {
      fetchTimeoutMs: read('FEDERATION_FETCH_TIMEOUT_MS'),
      fetchMaxBytes: read('FEDERATION_FETCH_MAX_BYTES'),
      minCacheSeconds,
      maxCacheSeconds: Math.max(minCacheSeconds, read('FEDERATION_JWKS_MAX_CACHE_SECONDS')),
      refreshIntervalSeconds: read('FEDERATION_JWKS_REFRESH_INTERVAL_SECONDS'),
    };
  }

  static fromEnv(env: EnvironmentVariables): AppConfig {
    return new AppConfig((key) => env[key]);
  }
}

/** Beyond this many workers `auto` stops adding: each one is a full instance (~140 MB). */
export const MAX_AUTO_WORKERS = 8;

/**
 * `WORKERS=auto`: one HTTP worker per core but one, at most MAX_AUTO_WORKERS. The core left over
 * runs the database (the embedded server's thread, or in the cluster's primary; or a mongod on the
 * same machine) and the kernel's share of the network work. On two cores a second HTTP worker
 * competes with the database for the same cores: every request got more expensive and the
 * throughput dropped. So two cores mean one worker plus the database thread: both used, no flags.
 */
export function resolveWorkers(setting: number | 'auto', cores: number): number {
  if (setting !== 'auto') return setting;
  return Math.min(MAX_AUTO_WORKERS, Math.max(1, cores - 1));
}

/**
 * `false`, `true`, a hop count, or a comma-separated list of addresses/CIDRs, which Fastify
 * (proxy-addr) takes as one string.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim();
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');
}
