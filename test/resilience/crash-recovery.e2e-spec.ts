import type { Db, MongoClient } from 'mongodb';
import {
  makeTmpDir,
  sleep,
  startApp,
  startDb,
  type AppProcess,
  type DbProcess,
} from '../support/process';
import { connect, insertLegacyClients } from '../support/db';
import { legacyRefresh, legacyToken } from '../support/http';
import { stopEverything } from '../support/lifecycle';

/**
 * SIGKILL the app and the database in the middle of a token load. After a
 * restart on the same data dir, every refresh token whose response reached a client works
 * exactly once, and no audit entry the database acknowledged is missing.
 */

const WORKERS = 20;
/** Long enough for hundreds of rotations and several journal group commits; short for CI. */
const LOAD_MS = 2000;
/** On a busy machine 2 s may not be enough: the kill waits for this much completed work. */
const MIN_REQUESTS = WORKERS * 5;
/** Rotations per chain before a new /token: chains of several links, so "last per chain" is real. */
const REFRESHES_PER_CHAIN = 3;
/**
 * The embedded server (like mongod with readConcern "local") applies a write in memory before its
 * journal group commit, so a concurrent reader can briefly see a not-yet-durable document. An
 * entry read this long before the kill has certainly been committed and acknowledged.
 */
const ACK_MARGIN_MS = 250;

interface LoadState {
  /** Refresh tokens a client received and never sent anywhere: each must work exactly once. */
  unpresented: Set<string>;
  /** Non-200 answers before the kill: the load itself must be clean. */
  failures: string[];
  requests: number;
  stopped: boolean;
}

/**
 * One client's loop: /token, then rotate the chain. A token is moved out of `unpresented` *before*
 * its request is sent — if the kill lands while that request is in flight, the server may or may
 * not have consumed it, so nothing can be promised about it.
 */
async function runWorker(app: AppProcess, clientId: string, state: LoadState): Promise<void> {
  while (!state.stopped) {
    try {
      const issued = await legacyToken(app.baseUrl, clientId, `${clientId}-secret`);
      state.requests++;
      if (!issued.pair) {
        if (!state.stopped) state.failures.push(`/token ${issued.res.status} ${issued.res.text}`);
        return;
      }
      let current = issued.pair.refresh_token;
      state.unpresented.add(current);
      for (let i = 0; i < REFRESHES_PER_CHAIN && !state.stopped; i++) {
        state.unpresented.delete(current);
        const rotated = await legacyRefresh(app.baseUrl, current);
        state.requests++;
        if (!rotated.pair) {
          if (!state.stopped)
            state.failures.push(`/refresh ${rotated.res.status} ${rotated.res.text}`);
          return;
        }
        current = rotated.pair.refresh_token;
        state.unpresented.add(current);
      }
    } catch (err) {
      // Connection reset by the kill is expected; before it, any transport error is a failure.
      if (!state.stopped) state.failures.push(`transport: ${String(err)}`);
      return;
    }
  }
}

/** Runs `fn` over `items` with bounded concurrency, collecting results in order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

describe('crash: SIGKILL the app and the database mid-load, restart on the same data dir', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let dbProc: DbProcess;
  let mongo: MongoClient | undefined;
  let db: Db;
  let app: AppProcess;
  const clientIds = Array.from({ length: WORKERS }, (_, i) => `crash-client-${i}`);

  beforeAll(async () => {
    tmp = makeTmpDir('crash-');
    dbProc = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(dbProc.uri));
    await insertLegacyClients(
      db,
      clientIds.map((clientId) => ({ clientId, secret: `${clientId}-secret` })),
    );
    // The load is ~20 requests in flight from one IP: the limit is raised out of its way.
    app = await startApp({ mongoUri: dbProc.uri, env: { MAX_REQUESTS_PER_MINUTE: '1000000' } });
  }, 300_000);

  afterAll(() => stopEverything(mongo, tmp));

  it('keeps every delivered refresh token usable exactly once and every acknowledged audit entry', async () => {
    const state: LoadState = { unpresented: new Set(), failures: [], requests: 0, stopped: false };
    const workers = clientIds.map((id) => runWorker(app, id, state));

    await sleep(LOAD_MS);
    for (let waited = 0; state.requests < MIN_REQUESTS && waited < 60_000; waited += 100)
      await sleep(100);
    const acked = await db
      .collection('audit_logs')
      .find({}, { projection: { _id: 1 } })
      .toArray();
    await sleep(ACK_MARGIN_MS);
    const requestsAtKill = state.requests;
    // Both in the same tick: neither process gets to react to the other's death.
    app.child.kill('SIGKILL');
    dbProc.child.kill('SIGKILL');
    state.stopped = true;
    await Promise.all([app.exited, dbProc.exited, ...workers]);
    await mongo?.close(true);
    mongo = undefined;

    expect(state.failures).toEqual([]);
    // The kill landed in the middle of real work, not before or after it.
    expect(requestsAtKill).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(acked.length).toBeGreaterThan(0);
    const delivered = [...state.unpresented];
    console.log(
      `crash: killed after ${requestsAtKill} requests; ${delivered.length} delivered unused refresh tokens, ${acked.length} acknowledged audit entries`,
    );
    expect(delivered.length).toBeGreaterThanOrEqual(WORKERS);

    const restartedDb = await startDb(tmp.dir);
    ({ client: mongo, db } = await connect(restartedDb.uri));
    const ids = acked.map((d) => d._id);
    const survived = await db.collection('audit_logs').countDocuments({ _id: { $in: ids } });
    expect({ acknowledged: ids.length, survived }).toEqual({
      acknowledged: ids.length,
      survived: ids.length,
    });

    const fresh = await startApp({
      mongoUri: restartedDb.uri,
      env: { MAX_REQUESTS_PER_MINUTE: '1000000' },
    });
    // First use rotates (200); the second is reuse (401). Tokens are independent, so in parallel.
    const outcomes = await mapLimit(delivered, 8, async (token) => {
      const first = await legacyRefresh(fresh.baseUrl, token);
      const second = await legacyRefresh(fresh.baseUrl, token);
      return `${first.res.status},${second.res.status}`;
    });
    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
    expect(tally).toEqual({ '200,401': delivered.length });
  }, 120_000);
});
