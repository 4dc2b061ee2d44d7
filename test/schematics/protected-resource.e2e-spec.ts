import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/**
 * `nest g protected-resource orders` in a scratch copy of the project: the generated module must be
 * registered in AppModule, compile, and its generated e2e test must pass against the real app.
 */
describe('schematic protected-resource', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schematic-'));
    for (const entry of ['src', 'schematics', 'test/utils', 'test/factories']) {
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

  const node = (args: string[], timeout = 240_000) =>
    run(process.execPath, args, { cwd: dir, timeout, env: { ...process.env, FORCE_COLOR: '0' } });

  it('generates, registers, builds and passes its own e2e test', async () => {
    const generate = await node([
      join(root, 'node_modules/@nestjs/cli/bin/nest.js'),
      'g',
      'protected-resource',
      'orders',
    ]);
    // eslint-disable-next-line no-control-regex
    const created = generate.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(created).toContain('CREATE src/orders/orders.controller.ts');
    expect(created).toContain('CREATE test/orders.e2e-spec.ts');
    expect(created).toContain('UPDATE src/app.module.ts');

    const appModule = await readFile(join(dir, 'src/app.module.ts'), 'utf8');
    expect(appModule).toContain("import { OrdersModule } from './orders/orders.module';");
    expect(appModule).toMatch(/imports:\s*\[[\s\S]*OrdersModule/);
    const controller = await readFile(join(dir, 'src/orders/orders.controller.ts'), 'utf8');
    expect(controller).toContain("@Scopes('orders:read')");
    expect(controller).toContain("@Roles('user', 'admin')");

    // Type-checks the whole app with the new module in it, as `nest build` would.
    await node([
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--noEmit',
    ]);

    const jest = await node([
      join(root, 'node_modules/jest/bin/jest.js'),
      '--runInBand',
      '--ci',
      'test/orders.e2e-spec.ts',
    ]);
    // jest prints its summary on stderr.
    expect(jest.stderr).toMatch(/Tests:\s+4 passed, 4 total/);
  }, 600_000);
});
