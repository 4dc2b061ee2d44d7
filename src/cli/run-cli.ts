import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { loadEnv, withoutDatabase } from '../config/load-env';
import { exitCodeFor, EXIT } from './cli-errors';
import { StderrLogger } from './stderr-logger';

/**
 * Runs one command line and resolves to its exit code, after the application (database
 * connection, embedded journal, audit buffer) has been closed. Separate from main.ts so tests can
 * run commands in-process.
 */
export function runCli(args: string[]): Promise<number> {
  const wantsHelp = args.length === 0 || args.includes('--help') || args.includes('-h');
  return wantsHelp ? withoutDatabase(() => run(args, true)) : run(args, false);
}

async function run(args: string[], wantsHelp: boolean): Promise<number> {
  let env;
  try {
    env = loadEnv();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }
  const dataDir = env.mongoUri === undefined ? env.embeddedDb.dataDir : undefined;
  if (dataDir !== undefined && !wantsHelp) {
    process.stderr.write(
      `note: no MONGODB_URI; opening the embedded data directory ${dataDir} directly. ` +
        'Do not do this while the server runs on the same directory.\n',
    );
  }

  let exitCode: number = EXIT.ok;
  const fail = (err: Error): void => {
    const { code, message } = exitCodeFor(err);
    if (message) process.stderr.write(`error: ${message}\n`);
    exitCode = code;
  };
  try {
    // Imported here, not at the top: the configuration module reads the environment when it is
    // loaded, and `--help` runs with a database-free environment (see withoutDatabase).
    const { CliModule } = await import('./cli.module');
    const app = await CommandFactory.createWithoutRunning(CliModule, {
      cliName: 'cli',
      logger: new StderrLogger(),
      // commander's usage errors and --help become exceptions instead of a process.exit() that
      // would skip closing the database (and flushing the embedded journal and the audit buffer).
      errorHandler: (err) => {
        throw err;
      },
      serviceErrorHandler: fail,
      helpConfiguration: { sortSubcommands: true },
    });
    try {
      await app.get(CommandRunnerService).run(['node', 'cli', ...args]);
    } finally {
      await app.close();
    }
  } catch (err) {
    fail(err instanceof Error ? err : new Error(String(err)));
    if (exitCode === EXIT.ok) exitCode = EXIT.failure;
  }
  return exitCode;
}
