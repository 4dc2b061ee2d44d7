import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

const FOOTER = `
Database: MONGODB_URI if set; otherwise the embedded data directory (EMBEDDED_DB_DATA_DIR). Never
open that directory while the server runs on it: start \`npm run db -- --data ./data\` and set
MONGODB_URI for both instead.
Output: human-readable; --json for scripts. Errors go to stderr.
Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 conflict, 4 other failure.`;

/** Adds what every operator should know to the root `--help`. */
@Injectable()
export class CliHelp implements OnModuleInit {
  constructor(@InjectCommander() private readonly commander: Command) {}

  onModuleInit(): void {
    this.commander.name('npm run cli --').addHelpText('after', FOOTER);
  }
}
