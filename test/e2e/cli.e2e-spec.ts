import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';

const PEPPER = 'cli-e2e-pepper-0123456789';
const DB_NAME = 'cli_e2e';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's commands against a temporary embedded database (reached through MONGODB_URI, as an
 * operator would point it at `npm run db`). Commands run in-process through runCli (the same
 * function main.ts calls), with stdout and stderr captured. The built binary: cli-binary.e2e-spec.
 */
describe('CLI (npm run cli)', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let db: Db;
  let runCli: (args: string[]) => Promise<number>;

  const cli = async (...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const out = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        stdout += chunk.toString();
        return true;
      });
    const err = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      });
    try {
      const code = await runCli(args);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };
  const json = <T>(run: Run): T => {
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  };
  const hashOf = (secret: string): string =>
    `hmac-sha256$${createHmac('sha256', PEPPER).update(secret).digest('hex')}`;
  const stored = (clientId: string) => db.collection('clients').findOne({ client_id: clientId });

  beforeAll(async () => {
    mongo = await startEmbeddedMongo({ port: 0, logger: false });
    delete process.env.MONGODB_URL;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      MONGODB_URI: mongo.uri,
      MONGODB_DB: DB_NAME,
      CLIENT_SECRET_PEPPER: PEPPER,
      LOG_LEVEL: 'silent',
    });
    // Imported only now: the config module reads the environment when it is loaded.
    ({ runCli } = await import('../../src/cli/run-cli'));
    client = await MongoClient.connect(mongo.uri);
    db = client.db(DB_NAME);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('clients create prints the client and its secret once; only the hash is stored', async () => {
    const run = await cli(
      'clients',
      'create',
      '--scopes',
      'read,write',
      '--role',
      'user',
      '--id',
      'cli-svc',
      '--name',
      'CLI service',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const secret = /client_secret: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.stdout).toContain('Created client cli-svc');
    expect(run.stdout).toContain('scopes:        read write');
    const doc = await stored('cli-svc');
    expect(doc).toMatchObject({
      client_id: 'cli-svc',
      name: 'CLI service',
      scopes: ['read', 'write'],
      role: 'user',
    });
    expect(doc?.secrets).toEqual([expect.objectContaining({ hash: hashOf(secret) })]);
    expect(JSON.stringify(doc)).not.toContain(secret);
  });

  it('clients create --json, with a generated id, audiences, refresh tokens and DPoP', async () => {
    const created = json<{
      client_id: string;
      client_secret: string;
      audiences: string[];
      refresh_tokens: boolean;
    }>(
      await cli(
        'clients',
        'create',
        '--scopes',
        'read',
        '--audiences',
        'https://a.example,https://b.example',
        '--refresh-tokens',
        '--refresh-grace',
        '15',
        '--dpop',
        '--json',
      ),
    );
    expect(created.client_id).toMatch(/^cl_/);
    expect(created).toMatchObject({
      audiences: ['https://a.example', 'https://b.example'],
      refresh_tokens: true,
      refresh_grace_seconds: 15,
      dpop_bound_access_tokens: true,
    });
    expect((await stored(created.client_id))?.secrets[0].hash).toBe(hashOf(created.client_secret));
  });

  it('clients create registers federated credentials from a file and token-exchange audiences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-federated-'));
    const file = join(dir, 'federated.json');
    const credentials = [
      { issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:acme/app:*' },
    ];
    writeFileSync(file, JSON.stringify(credentials));
    const created = json<Record<string, unknown>>(
      await cli(
        'clients',
        'create',
        '--scopes',
        'read',
        '--auth-method',
        'private_key_jwt',
        '--federated-credentials-file',
        file,
        '--token-exchange-audiences',
        'https://billing.internal',
        '--json',
      ),
    );
    expect(created).toMatchObject({
      federated_credentials: credentials,
      token_exchange: { audiences: ['https://billing.internal'] },
    });
    expect(created.client_secret).toBeUndefined();
    writeFileSync(file, JSON.stringify([{ issuer: 'http://10.0.0.1', subject: 'x' }]));
    const refused = await cli(
      'clients',
      'create',
      '--scopes',
      'read',
      '--federated-credentials-file',
      file,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'federated_credentials[0].issuer must be an https URL (or http on the loopback interface)',
    );
  });

  it('clients create --secret imports an existing secret (with a warning about shell history)', async () => {
    const run = await cli(
      'clients',
      'create',
      '--scopes',
      'read',
      '--id',
      'imported',
      '--secret',
      'legacy-secret-value',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('--secret is visible in the process list');
    expect(JSON.parse(run.stdout)).toMatchObject({
      client_id: 'imported',
      client_secret: 'legacy-secret-value',
    });
    expect((await stored('imported'))?.secrets[0].hash).toBe(hashOf('legacy-secret-value'));
  });

  it('clients list shows every client, human and --json, never a hash', async () => {
    const human = await cli('clients', 'list');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('cli-svc');
    expect(human.stdout).toContain('imported');
    const listed = json<{ items: { client_id: string }[] }>(await cli('clients', 'list', '--json'));
    expect(listed.items.map((c) => c.client_id)).toEqual(
      expect.arrayContaining(['cli-svc', 'imported']),
    );
    expect(JSON.stringify(listed)).not.toContain('hmac-sha256');
    const page = json<{ items: unknown[]; next_cursor?: string }>(
      await cli('clients', 'list', '--limit', '1', '--json'),
    );
    expect(page.items).toHaveLength(1);
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it('clients rotate-secret gives a new secret; the old one expires after the overlap', async () => {
    const before = (await stored('cli-svc'))?.secrets as { id: string }[];
    const t0 = Date.now();
    const rotated = json<{
      secret: { id: string; client_secret: string };
      expiring: { id: string; expires_at: string }[];
    }>(await cli('clients', 'rotate-secret', 'cli-svc', '--overlap-seconds', '60', '--json'));
    expect(rotated.expiring.map((s) => s.id)).toEqual([before[0].id]);
    const expiresAt = Date.parse(rotated.expiring[0].expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(t0 + 60_000);
    expect(expiresAt).toBeLessThan(t0 + 120_000);
    const secrets = (await stored('cli-svc'))?.secrets as {
      id: string;
      hash: string;
      expires_at?: Date;
    }[];
    expect(secrets.find((s) => s.id === rotated.secret.id)).toEqual(
      expect.objectContaining({ hash: hashOf(rotated.secret.client_secret) }),
    );
    expect(secrets.find((s) => s.id === rotated.secret.id)?.expires_at).toBeUndefined();

    const human = await cli('clients', 'rotate-secret', 'cli-svc');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/client_secret: [A-Za-z0-9_-]{43}/);
  });

  it('clients disable / enable / delete', async () => {
    const disabled = await cli('clients', 'disable', 'imported');
    expect(disabled).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Client imported disabled'),
    });
    expect((await stored('imported'))?.disabled).toBe(true);
    expect(
      json<{ disabled: boolean }>(await cli('clients', 'enable', 'imported', '--json')).disabled,
    ).toBe(false);
    expect((await stored('imported'))?.disabled).toBe(false);
    expect(json(await cli('clients', 'delete', 'imported', '--json'))).toEqual({
      client_id: 'imported',
      deleted: true,
    });
    expect(await stored('imported')).toBeNull();
  });

  it.each([
    [['clients', 'delete', 'nobody'], 2, 'error: client "nobody" not found'],
    [['clients', 'rotate-secret', 'nobody'], 2, 'error: client "nobody" not found'],
    [
      ['clients', 'create', '--scopes', 'read', '--id', 'cli-svc'],
      3,
      'error: client "cli-svc" already exists',
    ],
    [
      ['clients', 'create', '--role', 'user'],
      1,
      "error: required option '--scopes <list>' not specified",
    ],
    [['clients', 'create', '--scopes', 'a b'], 1, 'each scope must be a scope-token'],
    [['clients', 'create', '--scopes', 'read', '--id', 'bad id'], 1, 'client_id must match'],
    [
      ['clients', 'create', '--scopes', 'read', '--auth-method', 'private_key_jwt'],
      1,
      'requires jwks',
    ],
    [['clients', 'rotate-secret'], 1, "error: missing required argument 'clientId'"],
    [
      ['clients', 'rotate-secret', 'cli-svc', '--overlap-seconds', 'soon'],
      1,
      '--overlap-seconds must be a non-negative integer',
    ],
    [
      ['clients', 'create', '--scopes', 'read', '--refresh-grace', '61'],
      1,
      'refresh_grace_seconds must not be greater than 60',
    ],
    [['clients', 'disable', '$ne'], 1, 'clientId must match'],
    [['clients', 'bogus'], 1, "error: unknown command 'bogus'"],
    [['clients'], 1, 'Usage:'],
  ])('%j exits %i with a clear message on stderr', async (args, code, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('--help documents the database and the exit codes', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clients');
    expect(run.stdout).toContain(
      'Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 conflict',
    );
  });

  it('keys rotate promotes the next key', async () => {
    const before = json<{ keys: { kid: string; status: string }[] }>(
      await cli('keys', 'list', '--json'),
    );
    const next = before.keys.find((k) => k.status === 'next');
    const after = json<{ keys: { kid: string; status: string }[] }>(
      await cli('keys', 'rotate', '--json'),
    );
    expect(after.keys.find((k) => k.status === 'active')?.kid).toBe(next?.kid);
  });

  it('audit tail shows what the CLI did, attributed to the cli', async () => {
    const lines = (await cli('audit', 'tail', '--limit', '200', '--json')).stdout
      .trim()
      .split('\n');
    const entries = lines.map(
      (l) => JSON.parse(l) as { event_type: string; client_id?: string; reason: string },
    );
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event_type: 'client_created',
          client_id: 'cli-svc',
          reason: 'client created by cli',
        }),
        expect.objectContaining({
          event_type: 'client_deleted',
          client_id: 'imported',
          reason: 'client deleted by cli',
        }),
      ]),
    );
    expect(lines.join('\n')).not.toContain('legacy-secret-value');
  });
});
