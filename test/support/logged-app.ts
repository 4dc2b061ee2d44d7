import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';

/** Every log line the app writes, as text. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/**
 * Boots AppModule as main.ts does (nestjs-pino as Nest's logger) on the in-memory embedded
 * database, at the given level, with the log stream going to `capture`.
 */
export async function startLoggedApp(
  capture: LogCapture,
  level = 'trace',
): Promise<NestFastifyApplication> {
  delete process.env.MONGODB_URI;
  delete process.env.MONGODB_URL;
  Object.assign(process.env, {
    NODE_ENV: 'test',
    EMBEDDED_DB_IN_MEMORY: 'true',
    BOOTSTRAP_ADMIN: 'false',
    LOG_LEVEL: 'silent',
  });
  // Loaded after the environment is set, as in http-app.ts.
  const { loadEnv } = await import('../../src/config/load-env');
  const env = loadEnv();
  const { Test } = await import('@nestjs/testing');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const { Logger, PARAMS_PROVIDER_TOKEN } = await import('nestjs-pino');
  const { AppModule } = await import('../../src/app.module');
  const { configureApp, fastifyOptions } = await import('../../src/bootstrap/configure-app');
  const { loggerParams } = await import('../../src/logging/logger-params');

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(PARAMS_PROVIDER_TOKEN)
    .useValue(loggerParams(level, capture))
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    new FastifyAdapter(fastifyOptions(env)),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
