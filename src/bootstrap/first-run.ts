import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { AppConfig } from '../config/app-config.service';
import { RuntimeConfigService } from '../config/runtime-config.service';

/**
 * On an empty database: store the `jwt_config` document and create a first admin client,
 * printing its secret once. On a database the FastAPI service prepared, both already exist and nothing changes.
 */
export async function bootstrapFirstRun(app: INestApplicationContext): Promise<void> {
  const logger = new Logger('FirstRun');
  const config = app.get(AppConfig);
  await app.get(RuntimeConfigService).ensureStored();
  if (!config.bootstrapAdmin) return;

  const clients = app.get(ClientsService);
  if (!(await clients.isEmpty())) return;
  const { client, secret } = await clients.create({
    name: 'first admin',
    scopes: ['read', 'write', 'admin'],
    role: 'admin',
  });
  if (!secret) return;
  const base = config.issuer;
  // Printed to stdout, not the log: the one moment the secret is shown, and logs are redacted.
  process.stdout.write(
    [
      '',
      '  First run: created an admin client. The secret is shown only this once.',
      `    client_id:     ${client.clientId}`,
      `    client_secret: ${secret.value}`,
      '',
      '  Get a token:',
      `    curl -X POST "${base}/token" -H "Content-Type: application/x-www-form-urlencoded" \\`,
      `      -d "username=${client.clientId}&password=${secret.value}"`,
      '  or, the standard way:',
      `    curl -u "${client.clientId}:${secret.value}" -d grant_type=client_credentials ${base}/oauth/token`,
      `  Swagger UI: ${base}/docs`,
      '',
    ].join('\n') + '\n',
  );
  logger.log(`first admin client ${client.clientId} created`);
}
