import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { SigningKeyService, type SigningKeyView } from '../../tokens/signing-key.service';
import { CliOutput, date } from '../cli-output';
import { OutputCommand, type OutputOptions } from './json-option';

const describeKeys = (keys: SigningKeyView[]): string[] =>
  keys.map(
    (k) =>
      `${k.status.padEnd(8)} ${k.kid}  ${k.alg}  created ${date(k.created_at)}` +
      (k.activated_at ? `  activated ${date(k.activated_at)}` : '') +
      (k.retired_at ? `  retired ${date(k.retired_at)}` : ''),
  );

@SubCommand({ name: 'list', description: 'list signing keys (no private material)' })
export class KeysListCommand extends OutputCommand {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: OutputOptions): Promise<void> {
    const keys = await this.keys.list();
    if (options.json) return this.out.json({ keys });
    this.out.lines(...describeKeys(keys));
  }
}

@SubCommand({
  name: 'rotate',
  description:
    'the published next key starts signing; the active one is retired (stays in the JWKS)',
})
export class KeysRotateCommand extends OutputCommand {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: OutputOptions): Promise<void> {
    const keys = await this.keys.rotate();
    if (options.json) return this.out.json({ keys });
    this.out.lines('Signing keys rotated.', ...describeKeys(keys));
  }
}

@Command({
  name: 'keys',
  description: 'manage token signing keys',
  subCommands: [KeysListCommand, KeysRotateCommand],
})
export class KeysCommand extends CommandRunner {
  run(args: string[]): Promise<void> {
    if (args.length > 0) this.command.error(`error: unknown command '${args[0]}'`);
    this.command.help({ error: true });
  }
}
