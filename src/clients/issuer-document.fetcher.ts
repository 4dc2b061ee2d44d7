import { isFetchableUrl } from './federated-credentials.validator';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  production: boolean;
}

export interface FetchedDocument {
  body: Record<string, unknown>;
  /** The response's Cache-Control max-age, when it had one (0 for no-store / no-cache). */
  maxAgeSeconds?: number;
}

/** Why a fetch failed, for the audit detail; never shown to the caller. */
export class IssuerFetchError extends Error {}

/**
 * GETs one JSON document of a workload issuer with Node's fetch (undici): HTTPS only (HTTP on
 * loopback outside production), bounded in time and size, and no redirect followed at all, so a
 * compromised or misconfigured issuer cannot point us at an internal host.
 */
export async function fetchIssuerDocument(
  url: string,
  limits: FetchLimits,
): Promise<FetchedDocument> {
  if (!isFetchableUrl(url, limits.production)) {
    throw new IssuerFetchError(`${url} is not an allowed issuer URL`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(limits.timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    throw new IssuerFetchError(`fetching ${url} failed: ${errorName(err)}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new IssuerFetchError(`${url} answered a redirect (${res.status}); redirects are refused`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new IssuerFetchError(`${url} answered HTTP ${res.status}`);
  }
  const text = await readBounded(res, url, limits);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new IssuerFetchError(`${url} did not return JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IssuerFetchError(`${url} did not return a JSON object`);
  }
  const maxAgeSeconds = maxAge(res.headers.get('cache-control'));
  return {
    body: body as Record<string, unknown>,
    ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
  };
}

async function readBounded(res: Response, url: string, limits: FetchLimits): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  const tooBig = `${url} answered more than ${limits.maxBytes} bytes`;
  if (declared > limits.maxBytes) {
    await res.body?.cancel();
    throw new IssuerFetchError(tooBig);
  }
  if (!res.body) return '';
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) {
        await reader.cancel();
        throw new IssuerFetchError(tooBig);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof IssuerFetchError) throw err;
    throw new IssuerFetchError(`reading ${url} failed: ${errorName(err)}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function maxAge(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(header)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(header);
  return match ? Number(match[1]) : undefined;
}

/** Structural: the timeout is a DOMException, which may come from another realm. */
function errorName(err: unknown): string {
  const { name, message, cause } = (err ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (name === 'TimeoutError') return 'timed out';
  const detail = (cause as { message?: unknown } | undefined)?.message ?? message;
  return typeof detail === 'string' ? detail.slice(0, 200) : 'unknown error';
}
