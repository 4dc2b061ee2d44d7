import { NestFactory } from '@nestjs/core';
import cluster from 'node:cluster';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { runClusterPrimary } from './bootstrap/cluster-primary';
import { bootstrapFirstRun } from './bootstrap/first-run';
import { configureApp, fastifyOptions } from './bootstrap/configure-app';
import { loadEnv } from './config/load-env';

async function main(): Promise<void> {
  const config = loadEnv();
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    new FastifyAdapter(fastifyOptions(config)),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  configureApp(app);
  await bootstrapFirstRun(app);
  await app.listen(config.port, config.host);
}

main().catch((err: unknown) => {
  // Configuration errors are already readable; anything else gets its stack.
  console.error(
    err instanceof Error && err.message.startsWith('Invalid configuration') ? err.message : err,
  );
  process.exit(1);
});
