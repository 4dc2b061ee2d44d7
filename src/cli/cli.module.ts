import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClientsModule } from '../clients/clients.module';
import { EventsModule } from '../common/events/events.module';
import { ConfigModule } from '../config/config.module';
import { RuntimeConfigModule } from '../config/runtime-config.module';
import { DatabaseModule } from '../database/database.module';
import { TokensModule } from '../tokens/tokens.module';
import { CliHelp } from './cli-help';
import { CliOutput } from './cli-output';
import { AuditCommand, AuditTailCommand } from './commands/audit.command';
import { ClientsCreateCommand } from './commands/clients-create.command';
import {
  ClientsCommand,
  ClientsDeleteCommand,
  ClientsDisableCommand,
  ClientsEnableCommand,
  ClientsListCommand,
  ClientsRotateSecretCommand,
} from './commands/clients-manage.command';
import { KeysCommand, KeysListCommand, KeysRotateCommand } from './commands/keys.command';

/**
 * The same services and database as the server, without HTTP. AuditModule is imported so that
 * changes made here are audited exactly like changes made through the admin API.
 */
@Module({
  imports: [
    ConfigModule,
    EventsModule,
    DatabaseModule,
    RuntimeConfigModule,
    AuditModule,
    ClientsModule,
    TokensModule,
  ],
  providers: [
    CliHelp,
    CliOutput,
    ClientsCommand,
    ClientsCreateCommand,
    ClientsListCommand,
    ClientsRotateSecretCommand,
    ClientsDisableCommand,
    ClientsEnableCommand,
    ClientsDeleteCommand,
    KeysCommand,
    KeysListCommand,
    KeysRotateCommand,
    AuditCommand,
    AuditTailCommand,
  ],
})
export class CliModule {}
