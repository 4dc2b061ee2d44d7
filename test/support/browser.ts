import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where the browser test's Chromium came from, for its log line. */
export interface FoundBrowser {
  executablePath: string;
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const PATH_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
];

const HOW_TO_GET_ONE =
  'no Chromium found: set CHROMIUM_PATH to a Chromium or Chrome binary, install one ' +
  '(e.g. `apt-get install chromium`), or run on Linux x64 where `npm ci` brings @sparticuz/chromium';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onSystem(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [...SYSTEM_PATHS, ...dirs.flatMap((d) => PATH_NAMES.map((n) => join(d, n)))];
  return candidates.find(isExecutable);
}

/**
 * The headless shell @sparticuz/chromium ships, unpacked (once) into the temp dir. It is built
 * for Linux x64 only; anywhere else the package is present but cannot help.
 */
async function bundled(): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const { default: chromium } = await import('@sparticuz/chromium');
  try {
    return await chromium.executablePath();
  } catch (err) {
    throw new Error(
      `could not unpack @sparticuz/chromium into the temp dir (${(err as Error).message}); ${HOW_TO_GET_ONE}`,
    );
  }
}

/**
 * CHROMIUM_PATH, else a Chromium/Chrome already installed, else the one bundled in the npm
 * devDependency. Never undefined: a machine without any browser gets one line saying what to do.
 */
export async function findChromium(): Promise<FoundBrowser> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new Error(
        `CHROMIUM_PATH=${explicit} does not exist: point it at a Chromium or Chrome binary, or unset it`,
      );
    }
    return { executablePath: explicit, source: 'CHROMIUM_PATH' };
  }
  const system = onSystem();
  if (system) return { executablePath: system, source: 'system' };
  const shipped = await bundled();
  if (shipped) return { executablePath: shipped, source: '@sparticuz/chromium' };
  throw new Error(HOW_TO_GET_ONE);
}

/**
 * Flags for a headless run that talks to nothing but the server under test. The fresh profile
 * (--user-data-dir) comes from launchPersistentContext, which passes the directory it is given.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
