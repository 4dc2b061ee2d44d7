import { CommandRunner, Option } from 'nest-commander';

/** Every command prints for people by default and for scripts with `--json`. */
export abstract class OutputCommand extends CommandRunner {
  @Option({ flags: '--json', description: 'machine-readable output on stdout' })
  parseJson(): boolean {
    return true;
  }
}

export interface OutputOptions {
  json?: boolean;
}
