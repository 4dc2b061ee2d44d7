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
export const DIST_DB = path.join(DIST, 'database', 'embedded', 'cli.js');

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

const isFresh = (): boolean =>
  existsSync(DIST_APP) &&
  existsSync(DIST_DB) &&
  // A private build is the developer's to keep current; dist/ is rebuilt when src/ is newer.
  (Boolean(CUSTOM_DIST) || statSync(DIST_APP).mtimeMs >= newestSourceMtime(path.join(ROOT, 'src')));

/**
 * Builds dist/ when it is missing or older than src/. The resilience tier's globalSetup calls it
 * once per run, so only that tier pays for a build; a test file calling it again finds it fresh.
 */
export function ensureBuilt(): void {
  if (isFresh()) return;
  const args = CUSTOM_DIST
    ? ['tsc', '-p', 'tsconfig.build.json', '--outDir', DIST]
    : ['nest', 'build'];
  const result = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0 || !existsSync(DIST_APP)) {
    throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
  }
}
