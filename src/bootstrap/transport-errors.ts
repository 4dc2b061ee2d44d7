import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../common/errors/error-response';
import { InvalidRequestError } from '../common/errors/oauth-errors';
import { exceedsDepth, MAX_BODY_DEPTH } from '../common/http/body-depth';
import { BASELINE_SECURITY_HEADERS } from './security-headers';

/*
 * Errors raised below Nest (the HTTP parser, Fastify's router, the body parser) would otherwise be
 * answered in Fastify's own JSON shape. Every 4xx of this service is `{ error, error_description }`
 * with no-store, whoever produced it.
 */

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Answers a request the HTTP parser refused, or one not received in full within the request
 * timeout (slow headers or a slow body), on the raw socket: there is no reply object to use.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
  const description =
    status === 431
      ? 'request header fields too large'
      : status === 408
        ? 'request timeout'
        : 'malformed HTTP request';
  const rendered = renderError(new InvalidRequestError(description, { status }));
  const body = JSON.stringify(rendered.body);
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries({ ...rendered.headers, ...BASELINE_SECURITY_HEADERS }).map(
      ([k, v]) => `${k}: ${v}`,
    ),
    'Connection: close',
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

/** Router-level errors (an undecodable URL, a path parameter too long): a plain invalid_request. */
export function frameworkErrors(error: Error, _req: FastifyRequest, reply: FastifyReply): void {
  const { status, headers, body } = renderError(
    new InvalidRequestError(error.message.slice(0, 200)),
  );
  void reply
    .status(status)
    .headers({ ...headers, ...BASELINE_SECURITY_HEADERS })
    .send(body);
}

/**
 * Refuses deeply nested bodies before any validation runs: class-transformer recurses into whatever
 * it is given, so a body nested thousands of levels would exhaust the stack and become a 500.
 */
export function rejectDeepBodies(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  if (req.body !== null && typeof req.body === 'object' && exceedsDepth(req.body)) {
    done(new InvalidRequestError(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`));
    return;
  }
  done();
}
