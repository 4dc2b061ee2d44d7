#!/usr/bin/env node
import { startEmbeddedMongo } from './start';
import type { EmbeddedMongoOptions } from './options';

/*
 * Standalone server: `npm run db -- --port 27017 --data ./data`.
 * SIGINT/SIGTERM flush the journal and exit 0.
 */

function parseArgs(argv: string[]): EmbeddedMongoOptions {
  const opts: EmbeddedMongoOptions = { port: 27017 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`missing value for ${flag}`);
      return v;
    };
    switch (flag) {
      case '--port':
        opts.port = Number(value());
        break;
      case '--host':
      case '--bind_ip':
        opts.host = value();
        break;
      case '--data':
      case '--dbpath':
        opts.dataDir = value();
        break;
      case '--ttl-interval-ms':
        opts.ttlIntervalMs = Number(value());
        break;
      case '--max-data-mb':
        opts.maxDataMb = Number(value());
        if (!(opts.maxDataMb > 0)) throw new Error(`invalid --max-data-mb: ${opts.maxDataMb}`);
        break;
      case '--quiet':
        opts.logger = false;
        break;
      case '--help':
        console.log(
          'usage: db [--port 27017] [--host 127.0.0.1] [--data DIR] [--ttl-interval-ms N] [--max-data-mb 512] [--quiet]',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port! < 0 || opts.port! > 65535)
    throw new Error(`invalid port: ${opts.port}`);
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const db = await startEmbeddedMongo(opts);
  // Printed on stdout unconditionally: scripts and tests wait for this line.
  console.log(
    `embedded MongoDB-compatible server listening at ${db.uri}${opts.dataDir ? ` (data: ${opts.dataDir})` : ' (in memory)'}`,
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: flushing and stopping`);
    db.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`embedded database failed to start: ${(err as Error).message}`);
  process.exit(1);
});
