import { validateEnv, type EnvironmentVariables } from './env.validation';

/**
 * For code that runs before Nest's DI exists (main.ts adapter options, the CLI, the standalone
 * database command). Inside the app, inject AppConfig instead.
 */
export function loadEnv(): EnvironmentVariables {
  return validateEnv(process.env);
}
