import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The built service (dist/) that the process tests spawn, and building it when needed. */

export const ROOT = path.resolve(__dirname, '..', '..');
/**
 * RESILIENCE_DIST_DIR (inside the repo, e.g. tmp/res-dist, so node_modules resolve) lets a developer
 * test a private build while other work runs from dist/.
 */
const CUSTOM_DIST = process.env.RESILIENCE_DIST_DIR;
export const DIST = CUSTOM_DIST ? path.resolve(ROOT, CUSTOM_DIST) : path.join(ROOT, 'dist');
export const DIST_APP = path.join(DIST, 'main.js');
/** The embedded database's package, built by its own `tsc` (npm ci runs its prepare script). */
const DB_PACKAGE = path.dirname(require.resolve('@oauth2-m2m/embedded-mongo/package.json'));
export const DIST_DB = path.join(DB_PACKAGE, 'dist', 'cli.js');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

const isFresh = (built: string, sources: string): boolean =>
  existsSync(built) && statSync(built).mtimeMs >= newestSourceMtime(sources);

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * The embedded database is used from its package's build (its worker threads load built JS), so
 * every tier that starts it rebuilds the package first when its sources are newer (`tsc -b`).
 */
export function ensurePackageBuilt(): void {
  if (!isFresh(DIST_DB, path.join(DB_PACKAGE, 'src'))) {
    run('npm', ['run', 'build', '-w', '@oauth2-m2m/embedded-mongo']);
  }
}

/**
 * Builds dist/ when it is missing or older than src/. The resilience tier's globalSetup calls it
 * once per run, so only that tier pays for a build; a test file calling it again finds it fresh.
 */
export function ensureBuilt(): void {
  ensurePackageBuilt();
  // A private build is the developer's to keep current; dist/ is rebuilt when src/ is newer.
  if (CUSTOM_DIST ? existsSync(DIST_APP) : isFresh(DIST_APP, path.join(ROOT, 'src'))) return;
  run(
    'npx',
    CUSTOM_DIST ? ['tsc', '-p', 'tsconfig.build.json', '--outDir', DIST] : ['nest', 'build'],
  );
}
