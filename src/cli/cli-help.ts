import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

const FOOTER = `
Database: MONGODB_URI if set; otherwise the embedded data directory (EMBEDDED_DB_DATA_DIR). Never
open that directory while the server runs on it: start \`npm run db -- --data ./data\` and set
MONGODB_URI for both instead.
Output: human-readable; --json for scripts. Errors go to stderr.
Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 conflict, 4 other failure.`;

/**
 * Finishes the command tree nest-commander built (hence onApplicationBootstrap, after its
 * onModuleInit): the root `--help` footer, and exitOverride on every subcommand. nest-commander
 * sets it on the root only, and commander does not copy it to commands added with addCommand, so
 * a usage error in `clients create` would otherwise process.exit() without closing the database.
 */
@Injectable()
export class CliHelp implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly commander: Command) {}

  onApplicationBootstrap(): void {
    this.commander.name('npm run cli --').addHelpText('after', FOOTER);
    const throwInstead = (err: Error): never => {
      throw err;
    };
    const visit = (command: Command): void => {
      command.exitOverride(throwInstead);
      command.commands.forEach(visit);
    };
    visit(this.commander);
  }
}
