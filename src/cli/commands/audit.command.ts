import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditQueryService } from '../../audit/audit-query.service';
import type { AuditLogEntryDto } from '../../audit/dto/audit-log-page.dto';
import { CliError, EXIT } from '../cli-errors';
import { CliOutput, integer } from '../cli-output';
import { OutputCommand, type OutputOptions } from './json-option';

const FOLLOW_POLL_MS = 1_000;

const format = (e: AuditLogEntryDto): string =>
  [e.timestamp, e.event_type, e.client_id ?? '-', e.ip ?? '-', e.reason].join('  ');

@SubCommand({
  name: 'tail',
  description: 'the latest audit entries, oldest first; --follow keeps printing',
})
export class AuditTailCommand extends OutputCommand {
  private stopped = false;

  constructor(
    private readonly audit: AuditQueryService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(
    _args: string[],
    options: OutputOptions & { limit?: number; follow?: boolean },
  ): Promise<void> {
    const print = (entries: AuditLogEntryDto[]): void => {
      // --json prints one JSON object per line (NDJSON), so --follow output can be piped.
      for (const e of entries) this.out.lines(options.json ? JSON.stringify(e) : format(e));
    };
    let entries = await this.audit.tail(options.limit ?? 20);
    print(entries);
    if (!options.follow) return;

    const stop = (): void => {
      this.stopped = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let since = entries.length > 0 ? new Date(entries[entries.length - 1].timestamp) : new Date();
    const seen = new Set(entries.map((e) => e.id));
    while (!this.stopped) {
      await sleep(FOLLOW_POLL_MS);
      // tail() is exclusive of `since`; asking from 1 ms earlier catches entries written in the
      // same millisecond as the last one printed, and the id set drops what was already shown.
      entries = (await this.audit.tail(1_000, new Date(since.getTime() - 1))).filter(
        (e) => !seen.has(e.id),
      );
      print(entries);
      for (const e of entries) seen.add(e.id);
      if (entries.length > 0) since = new Date(entries[entries.length - 1].timestamp);
    }
  }

  @Option({ flags: '--limit <n>', description: 'how many entries (1-1000, default 20)' })
  parseLimit(value: string): number {
    const n = integer('--limit')(value);
    if (n < 1 || n > 1_000) throw new CliError('--limit must be 1 to 1000', EXIT.usage);
    return n;
  }

  @Option({ flags: '-f, --follow', description: 'keep printing new entries until interrupted' })
  parseFollow(): boolean {
    return true;
  }
}

@Command({ name: 'audit', description: 'read the audit log', subCommands: [AuditTailCommand] })
export class AuditCommand extends CommandRunner {
  run(args: string[]): Promise<void> {
    if (args.length > 0) this.command.error(`error: unknown command '${args[0]}'`);
    this.command.help({ error: true });
  }
}
