import { AppConfig } from './app-config.service';
import { validateEnv } from './env.validation';

/**
 * For code that runs before Nest's DI exists (main.ts adapter options, the cluster primary, the
 * CLI): the same typed configuration the app injects.
 */
export function loadEnv(): AppConfig {
  return AppConfig.fromEnv(validateEnv(process.env));
}

const DATABASE_VARS = ['MONGODB_URI', 'MONGODB_URL', 'EMBEDDED_DB_IN_MEMORY'] as const;

/**
 * Runs `work` configured with a throw-away in-memory database and no real one: for the CLI's
 * `--help`, which needs the command tree but must not create ./data, signing keys or connections.
 * The environment is restored afterwards (tests run the CLI in-process).
 */
export async function withoutDatabase<T>(work: () => Promise<T>): Promise<T> {
  const saved = DATABASE_VARS.map((name) => [name, process.env[name]] as const);
  delete process.env.MONGODB_URI;
  delete process.env.MONGODB_URL;
  process.env.EMBEDDED_DB_IN_MEMORY = 'true';
  try {
    return await work();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
