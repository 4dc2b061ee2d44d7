import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';

// Reads the raw value: implicit conversion has already turned the string "false" into true.
const toBool = ({ key, obj }: { key: string; obj: Record<string, unknown> }): unknown => {
  const raw = obj[key];
  if (typeof raw !== 'string') return raw;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return raw;
};

// `auto`, whatever its case, or a whole number; anything else is left for IsInt to refuse.
const toWorkers = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'auto') return 'auto';
  return /^\d+$/.test(v) ? Number(v) : value;
};

/** Values shipped in .env.example and used in development; refused when NODE_ENV=production. */
export const PLACEHOLDER_SECRETS = new Set([
  'change-me',
  'changeme',
  'dev-only-change-me',
  'your-secret-key',
]);

/** Every variable the service reads. Names match .env.example; defaults are development-friendly. */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 8000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** Public base URL; every endpoint in the discovery metadata derives from it. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  ISSUER?: string;

  /** Real MongoDB. MONGODB_URL is the FastAPI service's name for the same thing. Unset: embedded server. */
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI?: string;

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URL?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'must be a plain database name' })
  MONGODB_DB: string = 'oauth2_m2m';

  /**
   * How long start-up waits for a real MongoDB (MONGODB_URI) before giving up with one line.
   * One attempt: a supervisor restarting the process is the retry.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  MONGODB_CONNECT_TIMEOUT_MS: number = 10_000;

  /** Embedded server only: where its journal lives. */
  @IsString()
  EMBEDDED_DB_DATA_DIR: string = './data';

  @Transform(toBool)
  @IsBoolean()
  EMBEDDED_DB_IN_MEMORY: boolean = false;

  @IsInt()
  @Min(0)
  @Max(65535)
  EMBEDDED_DB_PORT: number = 0;

  /**
   * Embedded server only: bound on stored data (MB of BSON); writes past it are refused.
   * Unset: an eighth of the database thread's heap limit.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_048_576)
  EMBEDDED_DB_MAX_DATA_MB?: number;

  /** Encrypts signing private keys at rest (AES-256-GCM, key derived with HKDF). */
  @IsString()
  @MinLength(16)
  KEY_ENCRYPTION_KEY: string = 'dev-only-change-me';

  /** HMAC key for client secrets (server-generated secrets are high-entropy; a pepper, not a slow hash). */
  @IsString()
  @MinLength(16)
  CLIENT_SECRET_PEPPER: string = 'dev-only-change-me';

  /** EdDSA was accepted once; jsonwebtoken, which signs the tokens, has no EdDSA. */
  @IsIn(['ES256', 'RS256', 'PS256'], {
    message: 'SIGNING_ALG must be one of ES256, RS256, PS256 (EdDSA is no longer supported)',
  })
  SIGNING_ALG: 'ES256' | 'RS256' | 'PS256' = 'ES256';

  /**
   * Scheduled signing-key rotation period in days; 0 (the default) keeps rotation manual. Off by
   * default because a drop-in successor must not change keys under verifiers that copied the
   * JWKS once; with it on, each key is published at least a day ahead of signing.
   */
  @IsInt()
  @Min(0)
  @Max(3650)
  KEY_ROTATION_DAYS: number = 0;

  @IsInt()
  @Min(1)
  @Max(1440)
  ACCESS_TOKEN_EXPIRE_MINUTES: number = 15;

  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_EXPIRE_DAYS: number = 30;

  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  MAX_REQUESTS_PER_MINUTE: number = 60;

  /** Failed client authentications per source IP and minute, whatever client ids they name. */
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  MAX_FAILED_AUTH_PER_IP_PER_MINUTE: number = 30;

  @IsInt()
  @Min(1)
  @Max(3650)
  AUDIT_RETENTION_DAYS: number = 90;

  /** Audit entries are written in batches at most this often (ms): the durability window. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  AUDIT_FLUSH_INTERVAL_MS: number = 50;

  /** false, true, a hop count, or a comma-separated list of trusted proxy addresses/CIDRs. */
  @IsString()
  TRUST_PROXY: string = 'false';

  @Transform(toBool)
  @IsBoolean()
  BOOTSTRAP_ADMIN: boolean = true;

  /**
   * HTTP worker processes (node:cluster) sharing the port. 1: a single process. More use more
   * cores, each worker with its own memory; the embedded database then lives in the primary.
   * `auto`: see AppConfig.workers.
   */
  @Transform(toWorkers)
  @ValidateIf((env: EnvironmentVariables) => env.WORKERS !== 'auto')
  @IsInt()
  @Min(1)
  @Max(64)
  WORKERS: number | 'auto' = 'auto';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** auto: human-readable lines on a terminal, JSON lines otherwise (pipes, files, collectors). */
  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 65536;

  /** Time to receive a whole request, headers and body; a slower one gets 408 and is closed. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS: number = 30_000;

  /** Idle time an HTTP keep-alive connection is kept; above a load balancer's own idle timeout. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 72_000;

  /** Open connections per process; further ones are closed as they arrive. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HTTP_MAX_CONNECTIONS: number = 10_000;

  /** Strict-Transport-Security max-age; 0 sends none. Only where TLS ends in front of the service. */
  @IsInt()
  @Min(0)
  @Max(63_072_000)
  HSTS_MAX_AGE_SECONDS: number = 0;

  /**
   * Label the token counters of /metrics by client_id. Off by default: the label lists every
   * client that authenticates (a directory of clients) and adds series per client (bounded).
   */
  @Transform(toBool)
  @IsBoolean()
  METRICS_CLIENT_LABEL: boolean = false;

  /** When set, /metrics requires a bearer token carrying this scope. Unset: /metrics is public. */
  @IsOptional()
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/, { message: 'must be one OAuth scope token' })
  METRICS_SCOPE?: string;

  /** Every DPoP proof must carry a server nonce (RFC 9449 §8), for all clients. */
  @Transform(toBool)
  @IsBoolean()
  DPOP_NONCE_REQUIRED: boolean = false;

  /** How old (by its `iat`) a DPoP proof may be; a proof up to the clock leeway ahead is accepted too. */
  @IsInt()
  @Min(5)
  @Max(600)
  DPOP_PROOF_MAX_AGE_SECONDS: number = 60;

  /** Workload identity federation: timeout of one fetch of an issuer's discovery or JWKS. */
  @IsInt()
  @Min(100)
  @Max(30_000)
  FEDERATION_FETCH_TIMEOUT_MS: number = 3_000;

  /** Largest discovery document or JWKS read from an issuer; a bigger one is refused. */
  @IsInt()
  @Min(1_024)
  @Max(1_048_576)
  FEDERATION_FETCH_MAX_BYTES: number = 65_536;

  /** Bounds on how long fetched issuer keys are trusted; the issuer's Cache-Control max-age is clamped into them. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  FEDERATION_JWKS_MIN_CACHE_SECONDS: number = 300;

  @IsInt()
  @Min(1)
  @Max(604_800)
  FEDERATION_JWKS_MAX_CACHE_SECONDS: number = 86_400;

  /** An unknown kid refetches an issuer's keys at most once per this interval. */
  @IsInt()
  @Min(0)
  @Max(3_600)
  FEDERATION_JWKS_REFRESH_INTERVAL_SECONDS: number = 60;
}

const SECRET_VARS = ['KEY_ENCRYPTION_KEY', 'CLIENT_SECRET_PEPPER'] as const;

/** Called once by ConfigModule; a bad value stops start-up with a message naming the variable. */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  // An empty line in .env (`ISSUER=`) means "not set", as in most dotenv tooling.
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const env = plainToInstance(EnvironmentVariables, present, {
    enableImplicitConversion: true,
    excludeExtraneousValues: false,
  });
  const errors = validateSync(env, { skipMissingProperties: false });
  const problems = errors.map(
    (e) =>
      `${e.property}=${JSON.stringify(present[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  if (env.NODE_ENV === 'production') {
    for (const name of SECRET_VARS) {
      if (PLACEHOLDER_SECRETS.has(env[name])) {
        problems.push(`${name}: a placeholder secret is refused in production; set a random value`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}
