import { InvalidRequestError } from '../common/errors/oauth-errors';
import type { FederatedCredential } from './clients.types';

export const MAX_FEDERATED_CREDENTIALS = 20;
const MAX_FIELD_LENGTH = 512;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Where issuer documents may be fetched from: HTTPS, or plain HTTP to this machine outside
 * production (a local test issuer). Credentials and fragments in the URL are refused outright.
 */
export function isFetchableUrl(value: string, production: boolean): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && !production && LOOPBACK_HOSTS.has(url.hostname);
}

const text = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH;

/**
 * Registered issuers must be fetchable and subjects unambiguous: `*` only as the last character,
 * after a non-empty prefix, so a registration can never match every subject of an issuer.
 */
export function assertFederatedCredentials(
  value: unknown,
  production: boolean,
): FederatedCredential[] {
  if (!Array.isArray(value) || value.length > MAX_FEDERATED_CREDENTIALS) {
    throw new InvalidRequestError(
      `federated_credentials must be a list of at most ${MAX_FEDERATED_CREDENTIALS} entries`,
    );
  }
  const http = production ? 'an https URL' : 'an https URL (or http on the loopback interface)';
  return value.map((entry: unknown, i): FederatedCredential => {
    const at = `federated_credentials[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidRequestError(`${at} must be an object {issuer, subject, audience}`);
    }
    const { issuer, subject, audience, jwks_uri: jwksUri } = entry as Record<string, unknown>;
    if (!text(issuer) || !isFetchableUrl(issuer, production)) {
      throw new InvalidRequestError(`${at}.issuer must be ${http}`);
    }
    if (
      !text(subject) ||
      subject === '*' ||
      (subject.includes('*') && subject.indexOf('*') !== subject.length - 1)
    ) {
      throw new InvalidRequestError(
        `${at}.subject must be an exact subject or a non-empty prefix ending in "*" (at most ${MAX_FIELD_LENGTH} characters)`,
      );
    }
    if (audience !== undefined && !text(audience)) {
      throw new InvalidRequestError(`${at}.audience must be a string of 1 to ${MAX_FIELD_LENGTH}`);
    }
    if (jwksUri !== undefined && (!text(jwksUri) || !isFetchableUrl(jwksUri, production))) {
      throw new InvalidRequestError(`${at}.jwks_uri must be ${http}`);
    }
    return {
      issuer,
      subject,
      ...(audience !== undefined && { audience }),
      ...(jwksUri !== undefined && { jwksUri }),
    };
  });
}

/** Exact, or a prefix pattern (`system:serviceaccount:payments:*`). */
export function subjectMatches(pattern: string, subject: string): boolean {
  return pattern.endsWith('*') ? subject.startsWith(pattern.slice(0, -1)) : subject === pattern;
}
