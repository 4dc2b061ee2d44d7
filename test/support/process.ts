import { spawn, type ChildProcess } from 'node:child_process';
import { DIST_APP, DIST_DB, ensureBuilt, ROOT } from './dist';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Runs the built service (dist/) as real OS processes, so tests can do what an in-process
 * AppModule cannot: several instances on one database, SIGKILL, restart on the same data dir,
 * and memory measured on the server alone.
 */

export { ensureBuilt, ROOT } from './dist';

export function makeTmpDir(prefix: string): { dir: string; cleanup(): void } {
  const base = path.join(tmpdir(), 'oauth2-m2m-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every child ever spawned here, so a failing test can never leave one running. */
const live = new Set<ManagedProcess>();
process.once('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});

const OUTPUT_CAP = 256 * 1024;

export class ManagedProcess {
  readonly child: ChildProcess;
  /** stdout + stderr, capped: enough for start-up banners and for diagnosing a failure. */
  output = '';
  /** stderr alone, capped likewise: where a failed start-up prints its one line. */
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (d: Buffer): void => {
      if (this.output.length < OUTPUT_CAP) this.output += d.toString();
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < OUTPUT_CAP) this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
    live.add(this);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the process dies first. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`${this.label} exited before ${pattern}:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`${this.label}: no ${pattern} in ${timeoutMs} ms:\n${this.output}`);
      await sleep(20);
    }
  }

  /** SIGKILL and wait until the OS has reaped it (so its port and files are released). */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (lets the journal flush), escalating to SIGKILL. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident set size from /proc, in bytes (Linux; the CI machine is Linux). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error(`no VmRSS for ${this.label}`);
    return Number(kb[1]) * 1024;
  }
}

const scratch: { cleanup(): void }[] = [];

/** For afterAll: SIGKILL whatever is still running and drop the scratch working directories. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
  for (const dir of scratch.splice(0)) dir.cleanup();
}

/** Variables the app reads; cleared so the developer's shell or jest's NODE_ENV cannot leak in. */
const APP_VARS = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'ISSUER',
  'MONGODB_URI',
  'MONGODB_URL',
  'MONGODB_DB',
  'EMBEDDED_DB_DATA_DIR',
  'EMBEDDED_DB_IN_MEMORY',
  'EMBEDDED_DB_PORT',
  'SIGNING_ALG',
  'ACCESS_TOKEN_EXPIRE_MINUTES',
  'REFRESH_TOKEN_EXPIRE_DAYS',
  'MAX_REQUESTS_PER_MINUTE',
  'TRUST_PROXY',
  'BOOTSTRAP_ADMIN',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'KEY_ENCRYPTION_KEY',
  'CLIENT_SECRET_PEPPER',
  'MONGODB_CONNECT_TIMEOUT_MS',
  'WORKERS',
  'BODY_LIMIT_BYTES',
  'NODE_OPTIONS',
];

/**
 * One process unless a test asks for a cluster: these tests signal, kill and restart one pid,
 * while WORKERS' default (auto) would fork workers on a machine with more cores.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of APP_VARS) delete env[name];
  return { ...env, WORKERS: '1', ...extra };
}

export interface DbProcess extends ManagedProcess {
  uri: string;
  dataDir: string;
}

/** The standalone embedded database on a data dir (the journal makes SIGKILL + restart meaningful). */
export async function startDb(dataDir: string): Promise<DbProcess> {
  ensureBuilt();
  const proc = new ManagedProcess(
    'db',
    [DIST_DB, '--port', '0', '--data', dataDir],
    childEnv({}),
    ROOT,
  );
  try {
    // cli.ts prints "listening at <uri>" once it accepts connections.
    const [, uri] = await proc.waitFor(/listening at (mongodb:\/\/\S+)/, 30_000);
    return Object.assign(proc, { uri, dataDir });
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

export interface AppProcess extends ManagedProcess {
  baseUrl: string;
  port: number;
}

export interface AppOptions {
  mongoUri: string;
  /** Extra or overriding environment (e.g. MAX_REQUESTS_PER_MINUTE, TRUST_PROXY). */
  env?: Record<string, string>;
  nodeArgs?: string[];
}

export async function startApp(opts: AppOptions): Promise<AppProcess> {
  ensureBuilt();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = childEnv({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: baseUrl,
    MONGODB_URI: opts.mongoUri,
    LOG_LEVEL: 'warn',
    BOOTSTRAP_ADMIN: 'false',
    ...opts.env,
  });
  // cwd outside the repo: a developer's .env must not change what the tests run against.
  const cwdDir = makeTmpDir('app-cwd-');
  scratch.push(cwdDir);
  const cwd = cwdDir.dir;
  const proc = new ManagedProcess(`app:${port}`, [...(opts.nodeArgs ?? []), DIST_APP], env, cwd);
  const app = Object.assign(proc, { baseUrl, port });
  try {
    await waitReady(app, 60_000);
    return app;
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

let readyProbe = 0;

/** Ready = /health/ready answers 200 (or, before the health module exists, JWKS answers 200). */
async function waitReady(app: AppProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!app.running) throw new Error(`${app.label} exited during start-up:\n${app.output}`);
    // A distinct X-Forwarded-For per probe: with TRUST_PROXY=true and a tiny rate limit,
    // start-up probes must not spend the quota the test is about to measure.
    const headers = {
      'x-forwarded-for': `198.18.${(readyProbe >> 8) & 255}.${readyProbe++ & 255}`,
    };
    try {
      const res = await fetch(`${app.baseUrl}/health/ready`, { headers });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
      if (res.status === 404) {
        const jwks = await fetch(`${app.baseUrl}/.well-known/jwks.json`, { headers });
        if (jwks.status === 200) return;
      }
    } catch (err) {
      last = String(err); // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${app.label} not ready in ${timeoutMs} ms (last: ${last}):\n${app.output}`);
}

/** The first-run banner of src/bootstrap/first-run.ts (printed once, on an empty database). */
export interface Exited {
  code: number | null;
  stderr: string;
  /** stdout and stderr together. */
  output: string;
}

/**
 * Runs the built service with `env` (nothing else of the test's environment) until it exits on
 * its own: for start-up failures. A process still running after `timeoutMs` is killed and fails.
 */
export async function runUntilExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Exited> {
  ensureBuilt();
  const cwdDir = makeTmpDir('app-cwd-');
  scratch.push(cwdDir);
  const proc = new ManagedProcess('app', [DIST_APP], childEnv(env), cwdDir.dir);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  if (signal)
    throw new Error(`app still running after ${timeoutMs} ms (${signal}):\n${proc.output}`);
  return { code, stderr: proc.stderr, output: proc.output };
}

export async function bootstrapAdminOf(
  app: AppProcess,
): Promise<{ clientId: string; secret: string }> {
  const id = await app.waitFor(/client_id:\s+(\S+)/, 5000);
  const secret = await app.waitFor(/client_secret:\s+(\S+)/, 5000);
  return { clientId: id[1], secret: secret[1] };
}
