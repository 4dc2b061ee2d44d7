import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

class LogCapture extends Writable {
  readonly lines: string[] = [];
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** The query-string names the review found in the access log, sent for real and read back. */
const CASES = [
  'pass%77ord',
  'passwd',
  'pwd',
  'api_key',
  'apikey',
  'key',
  'authorization',
  'client_secret',
  'access_token',
  'client_assertion',
  'code',
];

describe('access log: credential query parameters are redacted after decoding', () => {
  const capture = new LogCapture();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    delete process.env.MONGODB_URI;
    delete process.env.MONGODB_URL;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      EMBEDDED_DB_IN_MEMORY: 'true',
      BOOTSTRAP_ADMIN: 'false',
      LOG_LEVEL: 'silent',
    });
    const { loadEnv } = await import('../src/config/load-env');
    const env = loadEnv();
    const { Test } = await import('@nestjs/testing');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { Logger, PARAMS_PROVIDER_TOKEN } = await import('nestjs-pino');
    const { AppModule } = await import('../src/app.module');
    const { configureApp, fastifyOptions } = await import('../src/bootstrap/configure-app');
    const { loggerParams } = await import('../src/logging/logger-params');
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(PARAMS_PROVIDER_TOKEN)
      .useValue(loggerParams('trace', capture))
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(fastifyOptions(env)),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(CASES)('%s=… reaches the access log as [redacted]', async (name) => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const res = await app.inject({ method: 'GET', url: `/protected?page=2&${name}=${secret}` });
    expect(res.statusCode).toBe(401);
    const lines = capture.lines.filter((l) => l.includes('request completed'));
    const line = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).at(-1);
    expect(line?.req?.url).toBe(`/protected?page=2&${name}=[redacted]`);
    expect(capture.lines.join('\n')).not.toContain(secret);
  });
});
