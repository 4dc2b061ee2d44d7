import type { Params } from 'nestjs-pino';
import { stdTimeFunctions, type DestinationStream } from 'pino';
import type { EnvironmentVariables } from '../config/env.validation';
import { redactQuery } from './query-redaction';

export const CENSOR = '[redacted]';

/** Field names that carry credentials, wherever they appear in a logged object. */
const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'id_token',
  'token',
  'client_assertion',
  'secret',
  'authorization',
  'cookie',
]);

/**
 * Paths pino censors before a line is written. Only exact paths: a wildcard-first path (`*.x`)
 * makes pino run the redactor over every binding of every per-request child logger, which cost
 * ~5% of the CPU on /protected. Nested fields are handled by `scrubSecrets`, which runs only
 * for lines actually written.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'req.body',
  ...SECRET_FIELDS,
];

const MAX_SCRUB_DEPTH = 5;
const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * The second line of defence for anything logged by hand (`logger.info({ body })`): credential
 * fields are censored at any depth of plain objects and arrays. Class instances (a raw request,
 * an Error) are left to their serializers.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_SCRUB_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? CENSOR : scrubSecrets(v, depth + 1);
  }
  return out;
}

/** `/x?access_token=abc` → `/x?access_token=[redacted]`; see redactQuery for the names covered. */
export const scrubUrl = (url: unknown): string =>
  typeof url !== 'string' ? '' : url.includes('?') ? redactQuery(url) : url;

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
  headers?: Record<string, unknown>;
}

// Probes and scrapes every few seconds would drown the access log.
const QUIET_PATHS = /^\/(?:health|metrics)(?:[/?]|$)/;
export const isQuietPath = (url: string | undefined): boolean => QUIET_PATHS.test(url ?? '');

export const levelFor = (statusCode: number): 'error' | 'warn' | 'info' =>
  statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';

type LogFormat = EnvironmentVariables['LOG_FORMAT'];

/** `auto` means readable lines for a person at a terminal, JSON for anything reading a pipe. */
export const wantsPretty = (format: LogFormat, isTTY = Boolean(process.stdout.isTTY)): boolean =>
  format === 'pretty' || (format === 'auto' && isTTY);

/**
 * pino-pretty in pino's worker thread: the formatting never runs on the request path, and the
 * JSON path (production) does not load it at all.
 */
const PRETTY_TRANSPORT = {
  target: 'pino-pretty',
  options: {
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  },
};

/**
 * The root pino logger's options: JSON lines (or, `pretty`, the same records made readable), no
 * bodies, no credentials. Request lines carry the Fastify request id (X-Request-Id or a UUID, see
 * configure-app.ts) as `req.id`: AccessLogHook and the request-path warnings pass it explicitly.
 */
export function loggerParams(
  level: string,
  destination?: DestinationStream,
  pretty = false,
): Params {
  const options = {
    ...(pretty && !destination ? { transport: PRETTY_TRANSPORT } : {}),
    level,
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: {
      log: (object: Record<string, unknown>) => scrubSecrets(object) as Record<string, unknown>,
    },
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: scrubUrl(req.url),
        remoteAddress: req.remoteAddress,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  // No route gets nestjs-pino's per-request middleware: AccessLogHook writes the access line.
  return { pinoHttp: destination ? [options, destination] : options, forRoutes: [] };
}
