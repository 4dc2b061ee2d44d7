import { NestFactory } from '@nestjs/core';
import cluster from 'node:cluster';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { runClusterPrimary } from './bootstrap/cluster-primary';
import { bootstrapFirstRun } from './bootstrap/first-run';
import { configureApp, fastifyOptions } from './bootstrap/configure-app';
import type { AppConfig } from './config/app-config.service';
import { loadEnv } from './config/load-env';
import { describeStartupFailure } from './logging/startup-failure';

let config: AppConfig | undefined;

async function main(): Promise<void> {
  config = loadEnv();
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    new FastifyAdapter(fastifyOptions(config)),
    {
      bufferLogs: true,
      // A failed start-up is reported once, by the catch below, instead of Nest logging its
      // stack and exiting on its own; the buffered start-up lines go to pino once it exists.
      abortOnError: false,
      autoFlushLogs: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.flushLogs();
  configureApp(app);
  await bootstrapFirstRun(app);
  await app.listen(config.port, config.host);
}

main().catch((err: unknown) => {
  const line = describeStartupFailure(err, {
    stack: config?.logLevel === 'debug' || config?.logLevel === 'trace',
    connectTimeoutMs: config?.mongoConnectTimeoutMs,
  });
  // Written from an exit hook registered after pino's, which flushes the log transport first:
  // on a terminal the line is the last thing printed, not lost among late log lines.
  process.once('exit', () => process.stderr.write(`${line}\n`));
  process.exit(1);
});
