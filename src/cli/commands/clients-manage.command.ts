import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { ClientSecretsService } from '../../clients/client-secrets.service';
import { ClientsService, MAX_PAGE_SIZE } from '../../clients/clients.service';
import type { ClientView } from '../../clients/clients.types';
import {
  ClientListResponseDto,
  ClientResponseDto,
  RotatedSecretResponseDto,
} from '../../clients/dto/client-response.dto';
import { ClientIdParamDto } from '../../clients/dto/client-params.dto';
import { RotateSecretDto } from '../../clients/dto/secret-requests.dto';
import { CliError, EXIT } from '../cli-errors';
import { CliOutput, date, integer } from '../cli-output';
import { ClientsCreateCommand } from './clients-create.command';
import { describeClient } from './client-format';
import { OutputCommand, type OutputOptions } from './json-option';

const CLI = { actor: 'cli' };

/** The one positional argument of most commands, checked like the admin API's path parameter. */
async function clientIdArg(out: CliOutput, args: string[]): Promise<string> {
  if (args.length !== 1)
    throw new CliError('expected exactly one argument: <clientId>', EXIT.usage);
  return (await out.validated(ClientIdParamDto, { clientId: args[0] })).clientId;
}

@SubCommand({ name: 'list', description: 'list clients (all of them, or one page with --limit)' })
export class ClientsListCommand extends OutputCommand {
  constructor(
    private readonly clients: ClientsService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(
    _args: string[],
    options: OutputOptions & { limit?: number; cursor?: string },
  ): Promise<void> {
    const items: ClientView[] = [];
    let cursor = options.cursor;
    let next: string | undefined;
    do {
      const page = await this.clients.list({ limit: options.limit ?? MAX_PAGE_SIZE, cursor });
      items.push(...page.items);
      next = page.nextCursor;
      cursor = next;
    } while (options.limit === undefined && next !== undefined);
    if (options.json) return this.out.json(ClientListResponseDto.from({ items, nextCursor: next }));
    if (items.length === 0) return this.out.lines('No clients.');
    for (const client of items) this.out.lines(`${client.clientId}`, ...describeClient(client), '');
    if (next) this.out.lines(`More: --cursor ${next}`);
  }

  @Option({
    flags: '--limit <n>',
    description: `one page of at most n (1-${MAX_PAGE_SIZE}) clients`,
  })
  parseLimit(value: string): number {
    const n = integer('--limit')(value);
    if (n < 1 || n > MAX_PAGE_SIZE)
      throw new CliError(`--limit must be 1 to ${MAX_PAGE_SIZE}`, EXIT.usage);
    return n;
  }

  @Option({ flags: '--cursor <cursor>', description: 'continue after a previous page' })
  parseCursor(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'rotate-secret',
  arguments: '<clientId>',
  description: 'new secret; the current ones keep working for --overlap-seconds (default 86400)',
})
export class ClientsRotateSecretCommand extends OutputCommand {
  constructor(
    private readonly secrets: ClientSecretsService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(args: string[], options: OutputOptions & { overlapSeconds?: number }): Promise<void> {
    const clientId = await clientIdArg(this.out, args);
    const dto = await this.out.validated(RotateSecretDto, {
      overlap_seconds: options.overlapSeconds,
    });
    const result = await this.secrets.rotate(
      clientId,
      { overlapSeconds: dto.overlap_seconds },
      CLI,
    );
    if (options.json) return this.out.json(RotatedSecretResponseDto.from(result));
    this.out.lines(
      `Rotated the secret of ${clientId}`,
      `  client_secret: ${result.secret.value}`,
      `  (secret id ${result.secret.id}; shown only this once, store it now)`,
      ...result.expiring.map((s) => `  previous secret ${s.id} expires ${date(s.expiresAt)}`),
    );
  }

  @Option({
    flags: '--overlap-seconds <n>',
    description: 'how long the previous secrets stay valid (0: now)',
  })
  parseOverlap(value: string): number {
    return integer('--overlap-seconds')(value);
  }
}

abstract class SimpleClientCommand extends OutputCommand {
  constructor(
    protected readonly clients: ClientsService,
    protected readonly out: CliOutput,
  ) {
    super();
  }

  protected abstract apply(clientId: string): Promise<ClientView>;
  protected abstract readonly done: string;

  async run(args: string[], options: OutputOptions): Promise<void> {
    const client = await this.apply(await clientIdArg(this.out, args));
    if (options.json) return this.out.json(ClientResponseDto.from(client));
    this.out.lines(`Client ${client.clientId} ${this.done}.`);
  }
}

@SubCommand({
  name: 'disable',
  arguments: '<clientId>',
  description: 'refuse the client at the token endpoint',
})
export class ClientsDisableCommand extends SimpleClientCommand {
  // Declared here so Nest sees the constructor's parameter types (metadata is per class).
  constructor(clients: ClientsService, out: CliOutput) {
    super(clients, out);
  }

  protected readonly done =
    'disabled (tokens already issued stay valid until they expire or are revoked)';
  protected apply(clientId: string): Promise<ClientView> {
    return this.clients.disable(clientId, CLI);
  }
}

@SubCommand({
  name: 'enable',
  arguments: '<clientId>',
  description: 'accept a disabled client again',
})
export class ClientsEnableCommand extends SimpleClientCommand {
  // Declared here so Nest sees the constructor's parameter types (metadata is per class).
  constructor(clients: ClientsService, out: CliOutput) {
    super(clients, out);
  }

  protected readonly done = 'enabled';
  protected apply(clientId: string): Promise<ClientView> {
    return this.clients.enable(clientId, CLI);
  }
}

@SubCommand({ name: 'delete', arguments: '<clientId>', description: 'delete a client' })
export class ClientsDeleteCommand extends OutputCommand {
  constructor(
    private readonly clients: ClientsService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(args: string[], options: OutputOptions): Promise<void> {
    const clientId = await clientIdArg(this.out, args);
    await this.clients.delete(clientId, CLI);
    if (options.json) return this.out.json({ client_id: clientId, deleted: true });
    this.out.lines(`Client ${clientId} deleted.`);
  }
}

@Command({
  name: 'clients',
  description: 'manage OAuth clients',
  subCommands: [
    ClientsCreateCommand,
    ClientsListCommand,
    ClientsRotateSecretCommand,
    ClientsDisableCommand,
    ClientsEnableCommand,
    ClientsDeleteCommand,
  ],
})
export class ClientsCommand extends CommandRunner {
  run(args: string[]): Promise<void> {
    // Reached only without a known subcommand: commander hands anything else over as arguments.
    if (args.length > 0) this.command.error(`error: unknown command '${args[0]}'`);
    this.command.help({ error: true });
  }
}
