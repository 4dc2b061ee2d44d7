import { readFileSync } from 'node:fs';
import { Option, SubCommand } from 'nest-commander';
import { ClientsService } from '../../clients/clients.service';
import { CreatedClientResponseDto } from '../../clients/dto/client-response.dto';
import { CreateClientDto, toCreateClientInput } from '../../clients/dto/create-client.dto';
import { CliError, EXIT } from '../cli-errors';
import { CliOutput, integer, list } from '../cli-output';
import { describeClient } from './client-format';
import { OutputCommand, type OutputOptions } from './json-option';

interface CreateOptions extends OutputOptions {
  scopes?: string[];
  role?: string;
  id?: string;
  name?: string;
  secret?: string;
  secretStdin?: boolean;
  audiences?: string[];
  grantTypes?: string[];
  authMethod?: string;
  jwksFile?: string;
  federatedCredentialsFile?: string;
  tokenExchangeAudiences?: string[];
  refreshTokens?: boolean;
  dpop?: boolean;
  ttl?: number;
  refreshGrace?: number;
}

@SubCommand({
  name: 'create',
  description: 'register a client; its secret is printed once',
})
export class ClientsCreateCommand extends OutputCommand {
  constructor(
    private readonly clients: ClientsService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    if (options.secret !== undefined) {
      this.out.warn(
        '--secret is visible in the process list and shell history; prefer --secret-stdin',
      );
    }
    const secret = options.secretStdin ? readSecretFromStdin() : options.secret;
    const dto = await this.out.validated(CreateClientDto, {
      scopes: options.scopes,
      role: options.role ?? 'user',
      ...(options.id !== undefined && { client_id: options.id }),
      ...(options.name !== undefined && { name: options.name }),
      ...(options.audiences !== undefined && { audiences: options.audiences }),
      ...(options.grantTypes !== undefined && { grant_types: options.grantTypes }),
      ...(options.authMethod !== undefined && { token_endpoint_auth_method: options.authMethod }),
      ...(options.jwksFile !== undefined && { jwks: readJson(options.jwksFile) }),
      ...(options.federatedCredentialsFile !== undefined && {
        federated_credentials: readJson(options.federatedCredentialsFile),
      }),
      ...(options.tokenExchangeAudiences !== undefined && {
        token_exchange: { audiences: options.tokenExchangeAudiences },
      }),
      ...(options.refreshTokens && { refresh_tokens: true }),
      ...(options.dpop && { dpop_bound_access_tokens: true }),
      ...(options.ttl !== undefined && { access_token_ttl_seconds: options.ttl }),
      ...(options.refreshGrace !== undefined && { refresh_grace_seconds: options.refreshGrace }),
    });
    const created = await this.clients.create(
      { ...toCreateClientInput(dto), ...(secret !== undefined && { secret }) },
      { actor: 'cli' },
    );
    if (options.json) return this.out.json(CreatedClientResponseDto.fromCreated(created));
    this.out.lines(`Created client ${created.client.clientId}`, ...describeClient(created.client));
    if (created.secret) {
      this.out.lines(
        `  client_secret: ${created.secret.value}`,
        `  (secret id ${created.secret.id}; shown only this once, store it now)`,
      );
    }
  }

  @Option({
    flags: '--scopes <list>',
    description: 'comma-separated allowed scopes, e.g. read,write',
    required: true,
  })
  parseScopes(value: string): string[] {
    return list(value);
  }

  @Option({ flags: '--role <role>', description: 'role claim of its tokens (default: user)' })
  parseRole(value: string): string {
    return value;
  }

  @Option({ flags: '--id <clientId>', description: 'client id (default: generated cl_…)' })
  parseId(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'human-readable name' })
  parseName(value: string): string {
    return value;
  }

  @Option({
    flags: '--secret <secret>',
    description: 'import an existing secret instead of generating one',
  })
  parseSecret(value: string): string {
    return value;
  }

  @Option({
    flags: '--secret-stdin',
    description: 'read the secret to import from stdin (first line)',
  })
  parseSecretStdin(): boolean {
    return true;
  }

  @Option({ flags: '--audiences <list>', description: 'comma-separated allowed audiences' })
  parseAudiences(value: string): string[] {
    return list(value);
  }

  @Option({
    flags: '--grant-types <list>',
    description: 'client_credentials,refresh_token,password (default: all)',
  })
  parseGrantTypes(value: string): string[] {
    return list(value);
  }

  @Option({
    flags: '--auth-method <method>',
    description: 'client_secret_basic | client_secret_post | private_key_jwt',
  })
  parseAuthMethod(value: string): string {
    return value;
  }

  @Option({
    flags: '--jwks-file <path>',
    description: 'JSON file with the public JWK Set (private_key_jwt)',
  })
  parseJwksFile(value: string): string {
    return value;
  }

  @Option({
    flags: '--federated-credentials-file <path>',
    description:
      'JSON file with a list of {issuer, subject, audience?, jwks_uri?} (workload identity federation)',
  })
  parseFederatedFile(value: string): string {
    return value;
  }

  @Option({
    flags: '--token-exchange-audiences <list>',
    description: 'comma-separated audiences this client may exchange tokens for (RFC 8693)',
  })
  parseExchangeAudiences(value: string): string[] {
    return list(value);
  }

  @Option({
    flags: '--refresh-tokens',
    description: 'client_credentials also returns a refresh token',
  })
  parseRefreshTokens(): boolean {
    return true;
  }

  @Option({
    flags: '--dpop',
    description: 'require DPoP proofs (RFC 9449 dpop_bound_access_tokens)',
  })
  parseDpop(): boolean {
    return true;
  }

  @Option({ flags: '--ttl <seconds>', description: 'access-token lifetime for this client' })
  parseTtl(value: string): number {
    return integer('--ttl')(value);
  }

  @Option({
    flags: '--refresh-grace <seconds>',
    description: 'seconds (0-60) within which a retried refresh returns the same new pair',
  })
  parseRefreshGrace(value: string): number {
    return integer('--refresh-grace')(value);
  }
}

function readSecretFromStdin(): string {
  const first = readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
  if (first === '') throw new CliError('--secret-stdin: nothing on stdin', EXIT.usage);
  return first;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new CliError(
      `cannot read ${path} as JSON: ${err instanceof Error ? err.message : String(err)}`,
      EXIT.usage,
    );
  }
}
