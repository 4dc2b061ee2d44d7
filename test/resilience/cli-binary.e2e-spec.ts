import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { ensureBuilt, ROOT } from '../support/process';

const DB_NAME = 'cli_binary_e2e';
const BIN = path.join(ROOT, 'dist', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI binary (`npm run cli`) as an operator runs it: results on stdout, errors on
 * stderr, exit codes, and help that never touches a database.
 */
describe('CLI binary (dist/cli/main.js)', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let db: Db;

  // Asynchronous on purpose: the database runs inside this test process and must keep serving.
  const spawnCli = (env: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env, cwd, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const withDb = (): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_ENV: 'test',
    MONGODB_URI: mongo.uri,
    MONGODB_DB: DB_NAME,
    CLIENT_SECRET_PEPPER: 'cli-binary-e2e-pepper-0123456789',
    LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    ensureBuilt();
    mongo = await startEmbeddedMongo({ port: 0, logger: false });
    client = await MongoClient.connect(mongo.uri);
    db = client.db(DB_NAME);
  }, 300_000);
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('results on stdout, errors on stderr, exit codes', async () => {
    const env = withDb();
    const created = await spawnCli(env, [
      'clients',
      'create',
      '--scopes',
      'read',
      '--role',
      'user',
      '--id',
      'cli-bin',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual(expect.objectContaining({ client_id: 'cli-bin' }));

    const list = await spawnCli(env, ['clients', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(
      expect.objectContaining({
        items: expect.arrayContaining([expect.objectContaining({ client_id: 'cli-bin' })]),
      }),
    );
    const missing = await spawnCli(env, ['clients', 'delete', 'nobody']);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('error: client "nobody" not found'),
    });
    const usage = await spawnCli(env, ['clients', 'create']);
    expect(usage).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining("required option '--scopes <list>'"),
    });
  }, 180_000);

  it('--help touches no database: no ./data, no connection to MONGODB_URI', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cli-help-'));
    const before = await db.collection('signing_keys').countDocuments();
    // An unreachable URI: help must not even try it.
    const env = { ...withDb(), MONGODB_URI: 'mongodb://127.0.0.1:1' };
    for (const args of [['--help'], ['clients', 'create', '--help']]) {
      expect(await spawnCli(env, args, cwd)).toEqual({
        code: 0,
        stdout: expect.stringContaining('Usage:'),
        stderr: '',
      });
    }
    expect(readdirSync(cwd)).toEqual([]);
    expect(await db.collection('signing_keys').countDocuments()).toBe(before);
  }, 60_000);
});
