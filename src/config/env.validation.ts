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

  /** Real MongoDB. MONGODB_URL is the seed's name for the same thing. Unset: embedded server. */
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI?: string;

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URL?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'must be a plain database name' })
  MONGODB_DB: string = 'oauth2_m2m';

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

  @IsIn(['ES256', 'RS256', 'EdDSA'])
  SIGNING_ALG: 'ES256' | 'RS256' | 'EdDSA' = 'ES256';

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
   */
  @IsInt()
  @Min(1)
  @Max(64)
  WORKERS: number = 1;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 65536;
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
