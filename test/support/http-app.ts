import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Db } from 'mongodb';
import type { Connection } from 'mongoose';
import { freePort } from './process';

/**
 * Boots the real AppModule in-process on Fastify, as main.ts does, against the embedded database
 * (in memory) or a given MONGODB_URI. Environment variables are read when AppModule is first
 * imported, so each test file boots at most one app configuration.
 */
export interface HttpTestApp {
  app: NestFastifyApplication;
  /** Base URL when listening (also the ISSUER); undefined with `listen: false`. */
  url?: string;
  issuer: string;
  /** The app's own database handle (native driver). */
  db: Db;
  events: EventEmitter2;
  close(): Promise<void>;
}

export interface HttpTestAppOptions {
  /** Listen on 127.0.0.1 on a free port and set ISSUER to that URL (conformance tests). */
  listen?: boolean;
  /** An existing database (e.g. one prepared the way the FastAPI service's README does); default: embedded, in memory. */
  mongoUri?: string;
  /** Run the first-start bootstrap as `npm start` does. */
  firstRun?: boolean;
  env?: Record<string, string>;
}

export async function startHttpTestApp(options: HttpTestAppOptions = {}): Promise<HttpTestApp> {
  const port = options.listen ? await freePort() : 8000;
  // PORT itself is left alone: only ISSUER carries it (the app is told where to listen directly).
  const issuer = `http://127.0.0.1:${port}`;
  delete process.env.MONGODB_URL;
  delete process.env.MONGODB_URI;
  Object.assign(process.env, {
    NODE_ENV: 'test',
    EMBEDDED_DB_IN_MEMORY: 'true',
    BOOTSTRAP_ADMIN: 'false',
    LOG_LEVEL: 'silent',
    ISSUER: issuer,
    ...(options.mongoUri && { MONGODB_URI: options.mongoUri }),
    ...options.env,
  });

  // Validated before app.module is loaded: ConfigModule then writes its defaults back into
  // process.env as strings, which a second validation under ts-jest cannot convert.
  const { loadEnv } = await import('../../src/config/load-env');
  const env = loadEnv();
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const { AppModule } = await import('../../src/app.module');
  const { configureApp, fastifyOptions } = await import('../../src/bootstrap/configure-app');
  const { bootstrapFirstRun } = await import('../../src/bootstrap/first-run');

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    new FastifyAdapter(fastifyOptions(env)),
    {
      logger: false,
    },
  );
  configureApp(app);
  if (options.firstRun) await bootstrapFirstRun(app);
  if (options.listen) await app.listen(port, '127.0.0.1');
  else {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }
  const connection = app.get<Connection>(getConnectionToken());
  return {
    app,
    url: options.listen ? issuer : undefined,
    issuer,
    db: connection.db as unknown as Db,
    events: app.get(EventEmitter2),
    close: () => app.close(),
  };
}

export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Everything emitted on the app's event bus from now on, in order. */
export function recordEvents(events: EventEmitter2): {
  all: RecordedEvent[];
  named(name: string): RecordedEvent['payload'][];
  stop(): void;
} {
  const all: RecordedEvent[] = [];
  const listener = (name: string | string[], payload: Record<string, unknown>): void => {
    all.push({ name: Array.isArray(name) ? name.join('.') : name, payload });
  };
  events.onAny(listener);
  return {
    all,
    named: (name) => all.filter((e) => e.name === name).map((e) => e.payload),
    stop: () => events.offAny(listener),
  };
}

/**
 * Records the app's events for the rest of the describe block, emptied before each test. Call it
 * after the beforeAll that starts the app: hooks run in declaration order, so `app()` is ready.
 */
export function useRecordedEvents(app: () => HttpTestApp): ReturnType<typeof recordEvents> {
  let recorder: ReturnType<typeof recordEvents> | undefined;
  beforeAll(() => {
    recorder = recordEvents(app().events);
  });
  afterAll(() => recorder?.stop());
  beforeEach(() => {
    recorder!.all.length = 0;
  });
  return {
    get all() {
      return recorder!.all;
    },
    named: (name) => recorder!.named(name),
    stop: () => recorder?.stop(),
  };
}

/** Form-encodes a body, repeating keys given arrays. */
export function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
}

export const basicAuth = (clientId: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST /oauth/token: client_credentials with client_secret_basic, optionally narrowed to `scope`. */
export function requestClientCredentials(
  app: NestFastifyApplication,
  clientId: string,
  secret: string,
  scope?: string,
) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      authorization: basicAuth(clientId, secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: form({ grant_type: 'client_credentials', ...(scope && { scope }) }),
  });
}

/** The FastAPI service's form login on POST /token: username = client_id, password = client_secret. */
export function requestLegacyLogin(app: NestFastifyApplication, clientId: string, secret: string) {
  return app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ username: clientId, password: secret }),
  });
}

/** An access token for the client; fails the test unless the token endpoint answers 200. */
export async function accessTokenFor(
  app: NestFastifyApplication,
  clientId: string,
  secret: string,
  scope?: string,
): Promise<string> {
  const res = await requestClientCredentials(app, clientId, secret, scope);
  expect(res.statusCode).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

export type AdminMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A JSON call to the admin API with a bearer token ('' for none). */
export function bearerCall(
  app: NestFastifyApplication,
  bearer: string,
  method: AdminMethod,
  url: string,
  body?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: { ...(bearer && { authorization: `Bearer ${bearer}` }) },
    ...(body !== undefined && { payload: body as Record<string, unknown> }),
  });
}
