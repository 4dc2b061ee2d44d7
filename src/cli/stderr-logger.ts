import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Nest's logger, but on stderr and only warnings and errors: stdout carries command output. */
export class StderrLogger extends ConsoleLogger {
  constructor() {
    super('cli', { logLevels: ['warn', 'error', 'fatal'] as LogLevel[] });
  }

  protected printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}
