/**
 * The rate-limit key: the client a request claims to be, plus its IP. Nothing here is verified —
 * the claimed client id is only used to pick a counter, never to authorize anything — so it is
 * read cheaply (no signature check, no database) and bounded in length.
 */
const MAX_CLIENT_ID = 128;
const MAX_HEADER = 4096;
export const ANONYMOUS = '-';

interface RequestLike {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

const bounded = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_CLIENT_ID) : undefined;

function fromBasic(credentials: string): string | undefined {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
  try {
    // RFC 6749 §2.3.1: the client id is form-urlencoded inside Basic credentials.
    return bounded(decodeURIComponent(user.replace(/\+/g, ' ')));
  } catch {
    return bounded(user);
  }
}

function parseBearer(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { client_id: clientId, sub } = claims as Record<string, unknown>;
    return bounded(clientId) ?? bounded(sub);
  } catch {
    return undefined;
  }
}

/** A resource server's callers present the same token for minutes: decode each once. Small and bounded. */
const MAX_CACHED_BEARERS = 1024;
const bearerIds = new Map<string, string | undefined>();

function fromBearer(token: string): string | undefined {
  if (bearerIds.has(token)) return bearerIds.get(token);
  const id = parseBearer(token);
  if (bearerIds.size >= MAX_CACHED_BEARERS) bearerIds.clear();
  bearerIds.set(token, id);
  return id;
}

/** The client id a request claims, from Basic credentials, the form body or a bearer JWT. */
export function claimedClientId(req: RequestLike): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.length <= MAX_HEADER && header.includes(' ')) {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'basic') {
      const id = fromBasic(value);
      if (id) return id;
    }
    if (scheme === 'bearer') {
      const id = fromBearer(value);
      if (id) return id;
    }
  }
  if (typeof req.body === 'object' && req.body !== null) {
    const body = req.body as Record<string, unknown>;
    return bounded(body.client_id) ?? bounded(body.username);
  }
  return undefined;
}

/**
 * `<client>:<ip>`. The client part is percent-encoded so a crafted id containing ':' cannot make
 * its key collide with another client's at another address (IPv6 addresses contain ':'). A lone
 * surrogate would make encodeURIComponent throw, so the id is made well-formed first.
 */
export function rateLimitTracker(req: RequestLike): string {
  const client = claimedClientId(req);
  return `${client === undefined ? ANONYMOUS : encodeURIComponent(client.toWellFormed())}:${req.ip ?? 'unknown'}`;
}
