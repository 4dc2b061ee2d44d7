import { Injectable } from '@nestjs/common';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { CliError, EXIT } from './cli-errors';

/** stdout is for results only (so `--json | jq` works); everything else goes to stderr. */
@Injectable()
export class CliOutput {
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  lines(...lines: string[]): void {
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  warn(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
  }

  /** The admin API's DTO rules, so the CLI accepts exactly what the API accepts. */
  async validated<T extends object>(cls: new () => T, plain: Record<string, unknown>): Promise<T> {
    const dto = plainToInstance(cls, plain);
    const errors = await validate(dto, { whitelist: true, forbidUnknownValues: true });
    if (errors.length > 0) {
      const messages = errors.flatMap((e) =>
        Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }),
      );
      throw new CliError(messages.join('; '), EXIT.usage);
    }
    return dto;
  }
}

export const list = (values: string): string[] =>
  values
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

export function integer(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value))
      throw new CliError(`${name} must be a non-negative integer`, EXIT.usage);
    return Number(value);
  };
}

export const date = (d: Date | undefined): string => (d ? d.toISOString() : '-');
