import { Agent, request } from 'node:http';

/**
 * A raw HTTP client over node:http instead of fetch: hostile tests need bodies that contradict
 * their Content-Type, header values fetch refuses to send, and a clear "the server dropped the
 * connection" outcome instead of a generic TypeError.
 */

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length for the server to pre-check). */
  chunked?: boolean;
  /**
   * A connection of its own, closed after the answer. Hostile requests make the server close
   * connections (oversized bodies, parse errors); on a shared keep-alive socket the *next* request
   * would then fail with a reset that says nothing about the request it belongs to.
   */
  ownConnection?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function destroyAgent(): void {
  agent.destroy();
}

export function send(baseUrl: string, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  // From the base only: a hostile path like `//admin` would otherwise be read as a host name.
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        agent: req.ownConnection ? false : agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        // The path is sent as given (URL would normalise or re-encode hostile paths).
        path: req.path,
        headers: {
          ...(req.body !== undefined &&
            !req.chunked && { 'content-length': Buffer.byteLength(req.body) }),
          ...req.headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () =>
      r.destroy(new Error(`timeout after ${timeoutMs} ms: ${req.method} ${req.path}`)),
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

export function parseJson(res: RawResponse): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(res.text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const JSON_TYPE = { 'content-type': 'application/json' };

export function basic(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: form-encode both parts before base64.
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** The FastAPI service's `POST /token` (form username/password). */
export async function legacyToken(
  baseUrl: string,
  clientId: string,
  secret: string,
  headers: Record<string, string> = {},
): Promise<{ res: RawResponse; pair?: TokenPair }> {
  const res = await send(baseUrl, {
    method: 'POST',
    path: '/token',
    headers: { ...FORM, ...headers },
    body: formBody({ username: clientId, password: secret }),
  });
  return { res, pair: res.status === 200 ? (parseJson(res) as unknown as TokenPair) : undefined };
}

/** The FastAPI service's `POST /refresh` (JSON {refresh_token}). */
export async function legacyRefresh(
  baseUrl: string,
  refreshToken: string,
  headers: Record<string, string> = {},
): Promise<{ res: RawResponse; pair?: TokenPair }> {
  const res = await send(baseUrl, {
    method: 'POST',
    path: '/refresh',
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  return { res, pair: res.status === 200 ? (parseJson(res) as unknown as TokenPair) : undefined };
}

export function getProtected(
  baseUrl: string,
  accessToken: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return send(baseUrl, {
    method: 'GET',
    path: '/protected',
    headers: { authorization: `Bearer ${accessToken}`, ...headers },
  });
}

/** Deterministic PRNG (mulberry32) so a failing hostile case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
