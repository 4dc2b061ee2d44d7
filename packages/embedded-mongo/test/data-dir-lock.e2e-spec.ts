import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import {
  DataDirectoryLockedError,
  LOCK_FILE,
  startEmbeddedMongo,
} from '@oauth2-m2m/embedded-mongo';
import { exited, runToExit, startCli, type Running } from './cli-process';
import { REAL_MONGO_URI } from './target';

/* One process per data directory, like mongod.lock: contention between real processes, SIGKILL. */

const describeEmbedded = REAL_MONGO_URI ? describe.skip : describe;

/** Name, size and mtime of every file: proof that a refused process touched nothing. */
function listing(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const st = statSync(path.join(dir, name));
      return `${name}:${st.size}:${st.mtimeMs}`;
    });
}

describeEmbedded('data directory lock', () => {
  let dir: string;
  let data: string;
  let holder: Running | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'emb-lock-'));
    data = path.join(dir, 'data');
  });
  afterEach(async () => {
    if (holder && holder.child.exitCode === null && holder.child.signalCode === null) {
      holder.child.kill('SIGTERM');
      await exited(holder.child);
    }
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function insertSome(uri: string, n: number): Promise<void> {
    const client = await new MongoClient(uri).connect();
    await client
      .db('app')
      .collection('items')
      .insertMany(Array.from({ length: n }, (_, i) => ({ i })));
    await client.close();
  }

  async function count(uri: string): Promise<number> {
    const client = await new MongoClient(uri).connect();
    try {
      return await client.db('app').collection('items').countDocuments();
    } finally {
      await client.close();
    }
  }

  it('refuses a second process at once, naming the holder, and touches no file', async () => {
    holder = await startCli(data);
    await insertSome(holder.uri, 10);
    const pid = holder.child.pid!;
    expect(readFileSync(path.join(data, LOCK_FILE), 'utf8')).toBe(`${pid}\n`);
    const before = listing(data);

    const second = await runToExit(['--port', '0', '--data', data]);

    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `embedded database failed to start: data directory ${data} is in use by process ${pid} ` +
        `(lock file ${path.join(data, LOCK_FILE)})\n`,
    );
    expect(second.ms).toBeLessThan(10_000);
    expect(listing(data)).toEqual(before);
    // The holder is unaffected.
    await insertSome(holder.uri, 5);
    expect(await count(holder.uri)).toBe(15);
  }, 60_000);

  it('refuses an in-process and an in-worker server with DataDirectoryLockedError', async () => {
    holder = await startCli(data);
    const pid = holder.child.pid!;
    const lockFile = path.join(data, LOCK_FILE);
    for (const inWorker of [false, true]) {
      const err: unknown = await startEmbeddedMongo({
        dataDir: data,
        inWorker,
        logger: false,
      }).then(
        (srv) => srv.stop().then(() => 'started'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataDirectoryLockedError);
      expect(err).toMatchObject({ dataDir: data, holderPid: pid, lockFile });
      expect((err as Error).message).toBe(
        `data directory ${data} is in use by process ${pid} (lock file ${lockFile})`,
      );
    }
  }, 60_000);

  it('takes over the lock a SIGKILLed process left behind, with its data intact', async () => {
    const first = await startCli(data);
    await insertSome(first.uri, 25);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const lockFile = path.join(data, LOCK_FILE);
    // The dead process could not clean up: its PID is still in the file.
    expect(readFileSync(lockFile, 'utf8')).toBe(`${first.child.pid}\n`);

    holder = await startCli(data);
    expect(readFileSync(lockFile, 'utf8')).toBe(`${holder.child.pid}\n`);
    expect(await count(holder.uri)).toBe(25);

    holder.child.kill('SIGTERM');
    expect(await exited(holder.child)).toEqual({ code: 0, signal: null });
    // A clean stop frees the directory.
    expect(readdirSync(data)).not.toContain(LOCK_FILE);
  }, 90_000);

  it('takes over a lock file without a valid PID, and refuses a second server in the same process', async () => {
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, LOCK_FILE), 'not a pid\n');
    const srv = await startEmbeddedMongo({ dataDir: data, logger: false });
    try {
      expect(readFileSync(path.join(data, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
      await expect(startEmbeddedMongo({ dataDir: data, logger: false })).rejects.toMatchObject({
        name: 'DataDirectoryLockedError',
        holderPid: process.pid,
      });
    } finally {
      await srv.stop();
    }
    expect(readdirSync(data)).not.toContain(LOCK_FILE);
    // Released: the directory opens again.
    const again = await startEmbeddedMongo({ dataDir: data, logger: false });
    await again.stop();
  }, 60_000);
});
