import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { InvalidClientError, OAuthError } from '../errors/oauth-errors';

/** RFC 6749 §5.2: the challenge a failed HTTP Basic client authentication answers with. */
export const BASIC_CHALLENGE = 'Basic realm="oauth2-m2m"';

/** Longer than any valid client id; a claimed id is cut here before it names a counter. */
const MAX_CLIENT_ID_LENGTH = 128;
/** A JWT longer than this is not decoded for its claims. */
const MAX_DECODED_TOKEN = 16_384;

/**
 * Who is asking, for events, audit and rate limiting: built once per request from what Fastify
 * resolved (the IP goes through X-Forwarded-For only when TRUST_PROXY says so).
 */
export interface RequestMeta {
  ip?: string;
  requestId?: string;
  endpoint?: string;
  /** Who made an admin change: the admin client's id, or `cli`. Goes into audit reasons. */
  actor?: string;
}

/**
 * How an authorization-server route authenticates its client, declared on the route and read
 * from the request (Fastify route config), so guards, the rate limiter and the exception filter
 * all see the same answer:
 * - `client`: RFC 6749 §2.3 (HTTP Basic, client_secret_post or a private_key_jwt assertion);
 * - `legacy-form`: the FastAPI service's `/token` form, `username` and `password`;
 * - `none`: no client authentication (the FastAPI service's `/refresh` and `/revoke`).
 * Routes that declare none of these authenticate with a bearer token, unless they are public.
 */
export type ClientAuthScheme = 'client' | 'legacy-form' | 'none';

const SCHEME_CONFIG_KEY = 'clientAuthentication';

/** Marks a handler as an authorization-server endpoint: refusals there are `token.denied`. */
export const AuthorizationEndpoint = (scheme: ClientAuthScheme): MethodDecorator =>
  RouteConfig({ [SCHEME_CONFIG_KEY]: scheme });

export function clientAuthSchemeOf(req: FastifyRequest): ClientAuthScheme | undefined {
  const config = req.routeOptions?.config as unknown as Record<string, unknown> | undefined;
  const scheme = config?.[SCHEME_CONFIG_KEY];
  return scheme === 'client' || scheme === 'legacy-form' || scheme === 'none' ? scheme : undefined;
}

const metas = new WeakMap<FastifyRequest, RequestMeta>();
/** The contexts requestMetaOf made: each belongs to one HTTP request, which will reply. */
const contexts = new WeakSet<RequestMeta>();

/** The request's context: one object per request, the same for every caller. */
export function requestMetaOf(req: FastifyRequest): RequestMeta {
  let meta = metas.get(req);
  if (!meta) {
    meta = { ip: req.ip, requestId: String(req.id), endpoint: req.routeOptions?.url ?? req.url };
    metas.set(req, meta);
    contexts.add(meta);
  }
  return meta;
}

/** The request's context if anything asked for it, without making one. */
export function existingRequestMeta(req: FastifyRequest): RequestMeta | undefined {
  return metas.get(req);
}

/**
 * Whether `meta` is a request's own context (from requestMetaOf), not a copy or one made up by
 * the CLI: only then does the end of a request settle what was recorded against it.
 */
export function isRequestContext(meta: RequestMeta): boolean {
  return contexts.has(meta);
}

const bounded = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_CLIENT_ID_LENGTH) : undefined;

const fieldsOf = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};

/**
 * The client id a request will be authenticated as, unverified: exactly the credential the
 * route's scheme checks, never a header or field the route ignores. Read before validation, so
 * it accepts any body and never throws. Rate limiting keys on it, audit names it.
 */
export function claimedClientId(req: FastifyRequest, bearerRoute: boolean): string | undefined {
  const scheme = clientAuthSchemeOf(req);
  const fields = fieldsOf(req.body);
  const authorization = req.headers.authorization;
  switch (scheme) {
    case 'legacy-form':
      return bounded(fields.username);
    case 'client':
      return bounded(clientAuthClaim(authorization, fields));
    case 'none':
      return undefined;
    default:
      return bearerRoute ? bounded(bearerClaim(authorization)) : undefined;
  }
}

/** Mirrors ClientAuthenticator's choice of method; see there for the errors. */
function clientAuthClaim(
  authorization: string | undefined,
  fields: Record<string, unknown>,
): unknown {
  let basic: { clientId: string } | undefined;
  try {
    basic = parseBasic(authorization);
  } catch {
    return undefined;
  }
  if (basic) return basic.clientId;
  if (fields.client_secret !== undefined) return fields.client_id;
  if (typeof fields.client_assertion === 'string') {
    return unverifiedClaims(fields.client_assertion)?.iss;
  }
  return undefined;
}

/** A resource server's callers present the same token for minutes: decode each once. Bounded. */
const MAX_CACHED_BEARERS = 1024;
const bearerIds = new Map<string, unknown>();

function bearerClaim(authorization: string | undefined): unknown {
  const token = bearerToken(authorization) ?? dpopToken(authorization);
  if (token === undefined) return undefined;
  if (bearerIds.has(token)) return bearerIds.get(token);
  const claims = unverifiedClaims(token);
  const id = bounded(claims?.client_id) ?? bounded(claims?.sub);
  if (bearerIds.size >= MAX_CACHED_BEARERS) bearerIds.clear();
  bearerIds.set(token, id);
  return id;
}

/** RFC 6750 §2.1: the token of an `Authorization: Bearer …` header, if that is what it is. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

/** RFC 9449 §7.1: the token of an `Authorization: DPoP …` header, if that is what it is. */
export function dpopToken(authorization: string | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^dpop[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

/**
 * The payload of a compact JWT, unverified: only ever used to pick a counter or an audit name,
 * never to authorize. Undefined for anything that is not a JWT with a JSON object payload.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  if (token.length > MAX_DECODED_TOKEN) return undefined;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** RFC 6749 §2.3.1: the id and secret are application/x-www-form-urlencoded before base64. */
const formDecode = (value: string): string =>
  // Without '%' or '+' there is nothing to decode (generated ids and secrets): skip the work.
  value.includes('%') || value.includes('+')
    ? decodeURIComponent(value.replace(/\+/g, ' '))
    : value;

/**
 * HTTP Basic client credentials (RFC 6749 §2.3.1). Undefined when the header is not Basic;
 * InvalidClientError when it is Basic but malformed.
 */
export function parseBasic(
  authorization: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^basic(?:\s+(.*))?$/is.exec(authorization.trim());
  if (!match) return undefined;
  const malformed = () => new InvalidClientError('malformed HTTP Basic authorization header');
  const encoded = (match[1] ?? '').trim();
  if (!BASE64.test(encoded)) throw malformed();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw malformed();
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (clientId.length === 0) throw malformed();
    return { clientId, clientSecret };
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw malformed();
  }
}

/**
 * RFC 6749 §5.2: an invalid_client answer to a client that sent an Authorization header on an
 * endpoint that authenticates clients carries the Basic challenge. The one place it is added.
 */
export function challengeHeaders(error: OAuthError, req: FastifyRequest): Record<string, string> {
  if (
    error instanceof InvalidClientError &&
    req.headers.authorization !== undefined &&
    clientAuthSchemeOf(req) === 'client'
  ) {
    return { 'WWW-Authenticate': BASIC_CHALLENGE };
  }
  return {};
}
