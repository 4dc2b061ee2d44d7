import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions, type DestinationStream } from 'pino';

export const CENSOR = '[redacted]';

/** Body and query fields that carry credentials, wherever they appear in a logged object. */
const SECRET_FIELDS = [
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'token',
  'client_assertion',
  'secret',
  'authorization',
];

/**
 * Paths pino censors before a line is written. The request serializer below already logs only a
 * few safe fields; this is the second line of defence for anything logged by hand
 * (`logger.info({ body })`, an error carrying a request).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'req.body',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

const SECRET_QUERY = /([?&][^=&#]*(?:token|secret|password|assertion|code)[^=&#]*=)[^&#]*/gi;

/** `/x?access_token=abc` → `/x?access_token=[redacted]`. */
export const scrubUrl = (url: unknown): string =>
  typeof url === 'string' ? url.replace(SECRET_QUERY, `$1${CENSOR}`) : '';

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
  headers?: Record<string, unknown>;
}

const QUIET_PATHS = /^\/(?:health|metrics)(?:[/?]|$)/;

/**
 * pino-http options: JSON lines, the Fastify request id (req.id, set from X-Request-Id or a UUID in
 * configure-app.ts) on every line logged during a request, no bodies, no credentials.
 */
export function loggerParams(level: string, destination?: DestinationStream): Params {
  const options = {
    level,
    timestamp: stdTimeFunctions.isoTime,
    // The child logger of each request carries only the id; the full request goes on the access line.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    genReqId: (req: IncomingMessage) =>
      String((req as IncomingMessage & { id?: string | number }).id ?? ''),
    redact: { paths: REDACT_PATHS, censor: CENSOR },
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
    // Probes and scrapes every few seconds would drown the access log.
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
