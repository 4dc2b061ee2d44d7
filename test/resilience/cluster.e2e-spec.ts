import { readdirSync, readFileSync } from 'node:fs';
import { bootstrapAdminOf, makeTmpDir, sleep, startApp, type AppProcess } from '../support/process';
import { getProtected, legacyRefresh, legacyToken } from '../support/http';
import { stopEverything } from '../support/lifecycle';

/** Child processes of `pid` (the cluster's workers), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the name (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out.sort();
}

async function waitForWorkers(app: AppProcess, count: number, except: number[] = []) {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const workers = childrenOf(app.pid);
    if (workers.length === count && workers.every((w) => !except.includes(w))) return workers;
    await sleep(100);
  }
  throw new Error(
    `expected ${count} workers, have ${childrenOf(app.pid).join(',')}:\n${app.output}`,
  );
}

/**
 * WORKERS=2 on the embedded database: the primary owns the database and forks two HTTP workers
 * that share the port and, through the database, every piece of state.
 */
describe('cluster mode (WORKERS=2, embedded database in the primary)', () => {
  const tmp = makeTmpDir('cluster-');
  let app: AppProcess;
  let admin: { clientId: string; secret: string };

  beforeAll(async () => {
    app = await startApp({
      mongoUri: '',
      env: {
        WORKERS: '2',
        BOOTSTRAP_ADMIN: 'true',
        EMBEDDED_DB_DATA_DIR: tmp.dir,
        MAX_REQUESTS_PER_MINUTE: '1000000',
      },
    });
    admin = await bootstrapAdminOf(app);
    await waitForWorkers(app, 2);
  }, 120_000);

  afterAll(() => stopEverything(undefined, tmp));

  it('prints the first admin client once, not once per worker', () => {
    expect(app.output.match(/client_secret:/g)).toHaveLength(1);
  });

  it('serves from every worker with shared state: tokens, refresh rotation, reuse detection', async () => {
    const { pair } = await legacyToken(app.baseUrl, admin.clientId, admin.secret);
    expect(pair).toBeDefined();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => getProtected(app.baseUrl, pair!.access_token)),
    );
    expect(statuses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const rotated = await legacyRefresh(app.baseUrl, pair!.refresh_token);
    expect(rotated.res.status).toBe(200);
    // Whichever worker answers, the spent token is known to be spent.
    for (let i = 0; i < 4; i++) {
      expect((await legacyRefresh(app.baseUrl, pair!.refresh_token)).res.status).toBe(401);
    }
  });

  it('replaces a worker that dies, and keeps serving meanwhile', async () => {
    // The primary gives up on workers that die within 5 s of their start (a crash loop).
    await sleep(5_500);
    const [victim] = childrenOf(app.pid);
    process.kill(victim, 'SIGKILL');
    const workers = await waitForWorkers(app, 2, [victim]);
    expect(workers).not.toContain(victim);
    const { res } = await legacyToken(app.baseUrl, admin.clientId, admin.secret);
    expect(res.status).toBe(200);
  }, 60_000);

  it('stops gracefully on SIGTERM: workers first, then the database, exit code 0', async () => {
    const workers = childrenOf(app.pid);
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    for (const w of workers) expect(() => process.kill(w, 0)).toThrow();
  }, 30_000);
});
