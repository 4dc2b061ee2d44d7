import { createServer, type Server } from 'node:net';
import { freePort, killAll, makeTmpDir, runUntilExit, startApp } from '../support/process';
import { parseJson, send } from '../support/http';

/**
 * `node dist/main.js` as an operator runs it: a start-up that cannot succeed ends with exit code
 * 1 and exactly one line on stderr, `oauth2-m2m: <what is wrong>`, no stack trace; and the log
 * format follows LOG_FORMAT.
 */

const KEY_A = 'first-key-encryption-key-0123456789';
const KEY_B = 'other-key-encryption-key-9876543210';
const PEPPER = 'a-random-pepper-for-the-tests-0123';

afterAll(() => killAll());

describe('a start-up that cannot succeed prints one line and exits 1', () => {
  it('refuses a placeholder secret in production', async () => {
    const run = await runUntilExit({
      NODE_ENV: 'production',
      KEY_ENCRYPTION_KEY: 'dev-only-change-me',
      CLIENT_SECRET_PEPPER: PEPPER,
      EMBEDDED_DB_IN_MEMORY: 'true',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'oauth2-m2m: Invalid configuration: KEY_ENCRYPTION_KEY: a placeholder secret is refused in production; set a random value\n',
    );
  });

  it('names the signing key it cannot decrypt after KEY_ENCRYPTION_KEY changed', async () => {
    const data = makeTmpDir('startup-data-');
    const env = { EMBEDDED_DB_DATA_DIR: data.dir, CLIENT_SECRET_PEPPER: PEPPER };
    const first = await startApp({ mongoUri: '', env: { ...env, KEY_ENCRYPTION_KEY: KEY_A } });
    const jwks = parseJson(
      await send(first.baseUrl, { method: 'GET', path: '/.well-known/jwks.json' }),
    );
    const kids = (jwks.keys as { kid: string }[]).map((k) => k.kid);
    await first.stop();

    const run = await runUntilExit({ ...env, KEY_ENCRYPTION_KEY: KEY_B, PORT: '0' });
    expect(run.code).toBe(1);
    const line =
      /^oauth2-m2m: cannot decrypt signing key (\S+) \(was KEY_ENCRYPTION_KEY changed\?\): Unsupported state or unable to authenticate data\n$/;
    expect(run.stderr).toMatch(line);
    expect(kids).toContain(line.exec(run.stderr)?.[1]);
    data.cleanup();
  });

  it('says which address is taken when the port is already in use', async () => {
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      const run = await runUntilExit({
        HOST: '127.0.0.1',
        PORT: String(port),
        EMBEDDED_DB_IN_MEMORY: 'true',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `oauth2-m2m: cannot listen on 127.0.0.1:${port}: the port is already in use (set PORT)\n`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('gives up on an unreachable MONGODB_URI after MONGODB_CONNECT_TIMEOUT_MS, with one attempt', async () => {
    const port = await freePort(); // nothing listens there any more
    const started = Date.now();
    const run = await runUntilExit({
      MONGODB_URI: `mongodb://127.0.0.1:${port}/oauth2`,
      MONGODB_CONNECT_TIMEOUT_MS: '500',
      PORT: '0',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `oauth2-m2m: cannot reach the database at MONGODB_URI within 500 ms: connect ECONNREFUSED 127.0.0.1:${port} (MONGODB_CONNECT_TIMEOUT_MS sets the wait)\n`,
    );
    // Start-up itself takes a few seconds on a busy machine; minutes would mean retries.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('start-up log format', () => {
  const startedLine = /"msg":"Nest application successfully started"/;

  it('writes JSON lines when stdout is not a terminal', async () => {
    const app = await startApp({
      mongoUri: '',
      env: { EMBEDDED_DB_IN_MEMORY: 'true', LOG_LEVEL: 'info' },
    });
    await app.waitFor(startedLine, 10_000);
    const lines = app.output.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    await app.stop();
  });

  it('writes readable lines with LOG_FORMAT=pretty', async () => {
    const app = await startApp({
      mongoUri: '',
      env: { EMBEDDED_DB_IN_MEMORY: 'true', LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' },
    });
    const [line] = await app.waitFor(/^.*Nest application successfully started$/m, 10_000);
    expect(line).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[NestApplication\] Nest application successfully started$/,
    );
    expect(app.output).not.toMatch(/^\{"level"/m);
    await app.stop();
  });
});
