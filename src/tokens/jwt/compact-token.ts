/** Raised for input that is not a compact JWS at all; its message is the public description. */
export class TokenFormatError extends Error {}

export interface TokenParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function parseSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenFormatError(`token ${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenFormatError(`token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads header and payload without verifying anything: the header names the key to verify with
 * (kid, alg), and a precise description tells a client what is wrong with garbage. The signature
 * is checked by jsonwebtoken, never here.
 */
export function readTokenParts(token: string): TokenParts {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 || !B64URL.test(p))) {
    throw new TokenFormatError('token is not a compact JWS');
  }
  return { header: parseSegment(parts[0], 'header'), payload: parseSegment(parts[1], 'payload') };
}
