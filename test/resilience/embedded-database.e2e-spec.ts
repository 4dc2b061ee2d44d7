import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE, startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { startHttpTestApp } from '../support/http-app';
import { ensureBuilt, ROOT } from '../support/process';

interface Run {
  code: number;
  output: string;
  /** The last line on stderr: a failed start-up's one line. */
  lastError: string;
}

/**
 * The app's start-up and its CLI open the embedded data directory through the package's lock:
 * while another process holds it, both stop at once with the holder's PID and leave it alone.
 */
describe('embedded data directory in use', () => {
  let dir: string;
  let data: string;
  let holder: EmbeddedMongo;

  const run = (script: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'dist', script), ...args],
        {
          env: {
            ...process.env,
            NODE_ENV: 'development',
            PORT: '0',
            MONGODB_URI: '',
            MONGODB_URL: '',
            EMBEDDED_DB_DATA_DIR: data,
            EMBEDDED_DB_IN_MEMORY: 'false',
            CLIENT_SECRET_PEPPER: 'database-lock-e2e-pepper-0123456789',
            WORKERS: '1',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({
            code,
            output: stdout + stderr,
            lastError: stderr.trim().split('\n').pop() ?? '',
          });
        },
      );
    });

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'db-lock-e2e-'));
    data = path.join(dir, 'data');
    // This test process holds the directory, as a running server would.
    holder = await startEmbeddedMongo({ port: 0, dataDir: data, logger: false });
  }, 300_000);
  afterAll(async () => {
    await holder?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = (): string =>
    `data directory ${data} is in use by process ${process.pid} (lock file ${path.join(data, LOCK_FILE)})`;

  it('the service does not start, and says who holds the directory', async () => {
    const before = readdirSync(data).sort();
    const started = await run('main.js', []);
    expect(started.code).toBe(1);
    expect(started.lastError).toBe(`oauth2-m2m: ${expected()}`);
    expect(started.output).not.toContain('listening');
    expect(readdirSync(data).sort()).toEqual(before);
  }, 90_000);

  it('the CLI fails with the same line', async () => {
    const listed = await run(path.join('cli', 'main.js'), ['clients', 'list']);
    expect(listed.code).not.toBe(0);
    expect(listed.output).toContain(expected());
  }, 90_000);
});

describe('embedded data limit (EMBEDDED_DB_MAX_DATA_MB)', () => {
  it('reaches the in-process server, which reports it in serverStatus', async () => {
    const t = await startHttpTestApp({ env: { EMBEDDED_DB_MAX_DATA_MB: '3' } });
    try {
      const status = await t.db.admin().command({ serverStatus: 1 });
      expect(status.embedded).toMatchObject({ maxDataMb: 3, maxDataBytes: 3 * 1024 * 1024 });
      expect(status.embedded.dataBytes).toBeGreaterThan(0);
    } finally {
      await t.close();
      delete process.env.EMBEDDED_DB_MAX_DATA_MB;
    }
  }, 60_000);
});
