import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..', '..');
const nestBin = join(root, 'node_modules/@nestjs/cli/bin/nest.js');

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Every form of `nest g protected-resource` the README shows, through the real `nest` binary, in one
 * scratch copy of the project: the generated modules are registered in AppModule, compile together,
 * and their generated e2e tests pass against the real app; bad values and a second run of the same
 * name generate nothing.
 */
describe('schematic protected-resource', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schematic-'));
    for (const entry of ['src', 'schematics', 'test/support']) {
      await cp(join(root, entry), join(dir, entry), { recursive: true });
    }
    for (const file of [
      'package.json',
      'nest-cli.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'jest.config.js',
    ]) {
      await cp(join(root, file), join(dir, file));
    }
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // The workspace packages (the embedded database) are part of the project, as in a clone.
    await symlink(join(root, 'packages'), join(dir, 'packages'), 'dir');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const node = (args: string[], env: NodeJS.ProcessEnv = {}, timeout = 240_000) =>
    run(process.execPath, args, {
      cwd: dir,
      timeout,
      env: { ...withoutResourceVariables(process.env), FORCE_COLOR: '0', ...env },
    });

  /** `nest g …`: the CLI exits 0 even when the schematic fails, so the output is what tells. */
  const nest = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const { stdout, stderr } = await node([nestBin, 'g', ...args], env);
    return { stdout: plain(stdout), stderr: plain(stderr) };
  };
  const read = (path: string) => readFile(join(dir, path), 'utf8');

  const expectGenerated = (stdout: string, name: string) => {
    expect(stdout).toContain(`CREATE src/${name}/${name}.module.ts`);
    expect(stdout).toContain(`CREATE src/${name}/${name}.controller.ts`);
    expect(stdout).toContain(`CREATE test/e2e/${name}.e2e-spec.ts`);
    expect(stdout).toContain('UPDATE src/app.module.ts');
  };

  it('the default form: scope <name>:read, roles user and admin', async () => {
    const { stdout } = await nest(['protected-resource', 'orders']);
    expectGenerated(stdout, 'orders');
    const appModule = await read('src/app.module.ts');
    expect(appModule).toContain("import { OrdersModule } from './orders/orders.module';");
    expect(appModule).toMatch(/imports:\s*\[[\s\S]*OrdersModule/);
    const controller = await read('src/orders/orders.controller.ts');
    expect(controller).toContain("@Scopes('orders:read')");
    expect(controller).toContain("@Roles('user', 'admin')");
  }, 120_000);

  it('a custom scope and roles from RESOURCE_SCOPE and RESOURCE_ROLES', async () => {
    const { stdout } = await nest(['protected-resource', 'invoices'], {
      RESOURCE_SCOPE: 'invoices:write',
      RESOURCE_ROLES: 'admin,auditor',
    });
    expectGenerated(stdout, 'invoices');
    const controller = await read('src/invoices/invoices.controller.ts');
    expect(controller).toContain("@Scopes('invoices:write')");
    expect(controller).toContain("@Roles('admin', 'auditor')");
    expect(await read('src/app.module.ts')).toMatch(/imports:\s*\[[\s\S]*InvoicesModule/);
  }, 120_000);

  it('the pr alias', async () => {
    const { stdout } = await nest(['pr', 'reports'], { RESOURCE_SCOPE: 'reports:read' });
    expectGenerated(stdout, 'reports');
    expect(await read('src/reports/reports.controller.ts')).toContain("@Scopes('reports:read')");
  }, 120_000);

  it.each([
    [{ RESOURCE_SCOPE: 'shipments read' }, 'RESOURCE_SCOPE "shipments read" contains a space'],
    [{ RESOURCE_SCOPE: '' }, 'RESOURCE_SCOPE is empty'],
    [{ RESOURCE_ROLES: 'user,,admin' }, 'RESOURCE_ROLES "user,,admin" has an empty role'],
    [{ RESOURCE_ROLES: '' }, 'RESOURCE_ROLES "" has an empty role'],
    [{ RESOURCE_SCOPE: "it's" }, `RESOURCE_SCOPE "it's" is not a scope`],
  ])(
    'a bad value %j is refused and generates nothing',
    async (env, message) => {
      const before = await read('src/app.module.ts');
      const { stdout, stderr } = await nest(['pr', 'shipments'], env);
      expect(stderr).toContain(message);
      expect(stdout).not.toContain('CREATE');
      expect(await exists(join(dir, 'src/shipments'))).toBe(false);
      expect(await exists(join(dir, 'test/e2e/shipments.e2e-spec.ts'))).toBe(false);
      expect(await read('src/app.module.ts')).toBe(before);
    },
    120_000,
  );

  it('the same name twice is refused and leaves the files and AppModule as they were', async () => {
    const files = [
      'src/app.module.ts',
      'src/orders/orders.module.ts',
      'src/orders/orders.controller.ts',
      'test/e2e/orders.e2e-spec.ts',
    ];
    const before = await Promise.all(files.map(read));
    const { stdout, stderr } = await nest(['protected-resource', 'orders'], {
      RESOURCE_SCOPE: 'orders:write',
    });
    expect(stderr).toContain('"orders" already exists (src/orders, test/e2e/orders.e2e-spec.ts)');
    expect(stdout).not.toContain('CREATE');
    expect(stdout).not.toContain('UPDATE');
    expect(await Promise.all(files.map(read))).toEqual(before);
  }, 120_000);

  it('the generated modules build together and their generated e2e tests pass', async () => {
    // Type-checks the whole app with the new modules in it, as `nest build` would.
    await node([
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--noEmit',
    ]);

    const jest = await node(
      [
        join(root, 'node_modules/jest/bin/jest.js'),
        '--runInBand',
        '--ci',
        'test/e2e/orders.e2e-spec.ts',
        'test/e2e/invoices.e2e-spec.ts',
        'test/e2e/reports.e2e-spec.ts',
      ],
      {},
      480_000,
    );
    // jest prints its summary on stderr: 200, 403 wrong scope, 403 wrong role, 401, per module.
    expect(jest.stderr).toMatch(/Test Suites:\s+3 passed, 3 total/);
    expect(jest.stderr).toMatch(/Tests:\s+12 passed, 12 total/);
  }, 600_000);
});

/** The developer's own shell must not change what the default form generates. */
function withoutResourceVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.RESOURCE_SCOPE;
  delete copy.RESOURCE_ROLES;
  return copy;
}
