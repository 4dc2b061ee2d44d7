import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { basic, FORM, probe, probeOk } from './load';
import { freePort, startServer, stopServer, waitForHttp, type ServerProcess } from './processes';

export interface Credentials {
  clientId: string;
  secret: string;
}

export interface OurService {
  server: ServerProcess;
  /** The standalone embedded database (BENCH_DB=process); absent when it runs in the service's worker thread. */
  db?: ServerProcess;
  baseUrl: string;
  /** The embedded database's wire address, for the harness's document census. */
  dbUri: string;
  dbName: string;
  /** The database's data directory (journal and snapshots). */
  dataDir: string;
  admin: Credentials;
}

export interface OurServiceOptions {
  repoRoot: string;
  /** Build to run, relative to repoRoot: `dist` (what prebench builds) or a private build. */
  distDir: string;
  dataDir: string;
  rateLimit: number;
  /** NODE_OPTIONS and the profiling hook's variables when profiling. */
  extraEnv: Record<string, string>;
  /**
   * `process`: the embedded database as its own process (`npm run db`), the service pointed at it
   * through MONGODB_URI, as in a deployment with a separate mongod; `thread`: the zero-config
   * default, the database in a worker thread of the service process.
   */
  dbMode: 'process' | 'thread';
  /** The database's memory bound (`--max-data-mb`, EMBEDDED_DB_MAX_DATA_MB); its default otherwise. */
  maxDataMb?: number;
  /** NODE_OPTIONS of the database process, e.g. a larger heap for the growth fill; none by default. */
  dbNodeOptions?: string;
}

/** The embedded-mongo package's `bin`, the process `npm run db` starts. */
async function startDatabase(opts: OurServiceOptions, port: number): Promise<ServerProcess> {
  const db = startServer(
    'database',
    process.execPath,
    [
      join(dirname(require.resolve('@oauth2-m2m/embedded-mongo/package.json')), 'dist/cli.js'),
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data',
      opts.dataDir,
      ...(opts.maxDataMb ? ['--max-data-mb', String(opts.maxDataMb)] : []),
    ],
    childEnv({ NODE_ENV: 'production', NODE_OPTIONS: opts.dbNodeOptions }),
    opts.repoRoot,
  );
  await db.waitForLine(/listening at mongodb:\/\//, 60_000);
  return db;
}

/**
 * The README's production recommendation for a service whose database is elsewhere (as here):
 * V8's memory-constrained heap sizing. BENCH_SERVICE_NODE_OPTIONS overrides it ('' = Node defaults).
 */
export const SERVICE_NODE_OPTIONS =
  process.env.BENCH_SERVICE_NODE_OPTIONS ?? '--max-old-space-size=512 --max-semi-space-size=8';

/** Variables that would point the child at a real database or another config: never inherited. */
const SCRUBBED = [
  'MONGODB_URI',
  'MONGODB_URL',
  'EMBEDDED_DB_IN_MEMORY',
  'NODE_OPTIONS',
  'ISSUER',
  'PORT',
];

function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * `node <dist>/main.js` as in production: embedded database with its journal in a temp dir, audit and
 * rate limiting on (their defaults), first-run admin printed on stdout.
 */
export async function startOurService(opts: OurServiceOptions): Promise<OurService> {
  const port = await freePort();
  const dbPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = opts.dbMode === 'process' ? await startDatabase(opts, dbPort) : undefined;
  const dbEnv = db
    ? { MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/?directConnection=true` }
    : {
        EMBEDDED_DB_DATA_DIR: opts.dataDir,
        EMBEDDED_DB_PORT: String(dbPort),
        EMBEDDED_DB_IN_MEMORY: 'false',
        ...(opts.maxDataMb && { EMBEDDED_DB_MAX_DATA_MB: String(opts.maxDataMb) }),
      };
  const server = startServer(
    'service',
    process.execPath,
    [join(opts.distDir, 'main.js')],
    childEnv({
      // production: no dev-only niceties on the hot path; it refuses placeholder secrets, so random ones.
      NODE_ENV: 'production',
      NODE_OPTIONS: SERVICE_NODE_OPTIONS,
      // WORKERS > 1: node:cluster workers; the RSS sampler sums the whole process tree.
      WORKERS: process.env.BENCH_SERVICE_WORKERS ?? '1',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: baseUrl,
      ...dbEnv,
      MONGODB_DB: 'oauth2_m2m',
      // Read once into the fresh jwt_config document.
      MAX_REQUESTS_PER_MINUTE: String(opts.rateLimit),
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN: 'true',
      TRUST_PROXY: 'false',
      ...opts.extraEnv,
    }),
    opts.repoRoot,
  );
  const idLine = server.waitForLine(/client_id:\s+(\S+)/, 60_000);
  const secretLine = server.waitForLine(/client_secret:\s+(\S+)/, 60_000);
  // Attach handlers now: whichever rejects first must not become an unhandled rejection.
  idLine.catch(() => undefined);
  secretLine.catch(() => undefined);
  let admin: Credentials;
  try {
    await waitForHttp(server, `${baseUrl}/health/live`, 60_000);
    admin = { clientId: (await idLine)[1], secret: (await secretLine)[1] };
  } catch (err) {
    // A service that did not start must not leave its database running through the whole bench.
    if (db) await stopServer(db);
    throw err;
  }
  return {
    server,
    db,
    baseUrl,
    admin,
    dbUri: `mongodb://127.0.0.1:${dbPort}`,
    dbName: 'oauth2_m2m',
    dataDir: opts.dataDir,
  };
}

/**
 * The env validator caps MAX_REQUESTS_PER_MINUTE; if the requested limit is above the cap, start
 * again at the cap rather than not at all, and say so (`effectiveRateLimit`).
 */
export async function startOurServiceAtLimit(
  opts: OurServiceOptions,
): Promise<OurService & { effectiveRateLimit: number }> {
  try {
    return { ...(await startOurService(opts)), effectiveRateLimit: opts.rateLimit };
  } catch (err) {
    const cap = /MAX_REQUESTS_PER_MINUTE\S*: .*greater than (\d+)/.exec((err as Error).message);
    if (!cap) throw err;
    const rateLimit = Number(cap[1]);
    const svc = await startOurService({ ...opts, rateLimit, dataDir: `${opts.dataDir}-retry` });
    return { ...svc, effectiveRateLimit: rateLimit };
  }
}

export interface Peer {
  server: ServerProcess;
  baseUrl: string;
  client: Credentials;
  /** Its distinct clients, registered at start (bench/peer/oidc-provider.mjs, PEER_CLIENT_COUNT). */
  clients: Credentials[];
}

export async function startPeer(repoRoot: string, clientCount: number): Promise<Peer> {
  const client = { clientId: 'bench-peer-client', secret: randomBytes(32).toString('base64url') };
  const clients = Array.from({ length: clientCount }, (_, i) => ({
    clientId: `${client.clientId}-${i}`,
    secret: `${client.secret}-${i}`,
  }));
  const server = startServer(
    'oidc-provider',
    process.execPath,
    [join(repoRoot, 'bench/peer/oidc-provider.mjs')],
    childEnv({
      NODE_ENV: 'production',
      PEER_PORT: '0',
      PEER_CLIENT_ID: client.clientId,
      PEER_CLIENT_SECRET: client.secret,
      PEER_CLIENT_COUNT: String(clientCount),
    }),
    repoRoot,
  );
  const m = await server.waitForLine(/^\{"ready":true.*\}$/, 30_000);
  const { port } = JSON.parse(m[0]) as { port: number };
  return { server, baseUrl: `http://127.0.0.1:${port}`, client, clients };
}

export async function clientCredentialsToken(
  tokenUrl: string,
  creds: Credentials,
  extra: Record<string, string> = {},
): Promise<string> {
  const body = await probeOk(`token for ${creds.clientId}`, {
    url: tokenUrl,
    method: 'POST',
    headers: { authorization: basic(creds.clientId, creds.secret), 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }).toString(),
  });
  return (JSON.parse(body) as { access_token: string }).access_token;
}

/** The admin API's response shape is the clients helper's call: accept the plausible spellings. */
export function pickCredentials(raw: unknown): Credentials | undefined {
  const json = raw as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  const clientId =
    json?.client_id ?? json?.clientId ?? json?.client?.clientId ?? json?.client?.client_id;
  const secret =
    json?.client_secret ??
    json?.clientSecret ??
    (typeof json?.secret === 'string' ? json.secret : json?.secret?.value);
  return typeof clientId === 'string' && typeof secret === 'string'
    ? { clientId, secret }
    : undefined;
}

/**
 * A dedicated non-admin client (scope read) created through the admin API, like an operator would.
 * Falls back to the first-run admin client if the admin API refuses, and says why.
 */
export async function provisionBenchClient(
  svc: OurService,
): Promise<{ creds: Credentials; via: string }> {
  try {
    const adminToken = await clientCredentialsToken(`${svc.baseUrl}/oauth/token`, svc.admin);
    const input = { name: 'bench', scopes: ['read'], role: 'user' };
    // Both spellings: the DTO whitelist strips whichever one it does not know.
    const grants = ['client_credentials', 'password'];
    const { status, body } = await probe({
      url: `${svc.baseUrl}/admin/clients`,
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...input, grantTypes: grants, grant_types: grants }),
    });
    if (status !== 200 && status !== 201)
      throw new Error(`POST /admin/clients -> ${status}: ${body.slice(0, 300)}`);
    const creds = pickCredentials(JSON.parse(body));
    if (!creds)
      throw new Error(`POST /admin/clients: no client id/secret in ${body.slice(0, 300)}`);
    return { creds, via: 'admin API (POST /admin/clients), scopes [read], role user' };
  } catch (err) {
    return {
      creds: svc.admin,
      via: `first-run admin client (admin API unusable: ${(err as Error).message})`,
    };
  }
}
