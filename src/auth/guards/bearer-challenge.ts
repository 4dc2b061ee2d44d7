/** RFC 6750 §3: the realm every challenge of this server names. */
export const BEARER_REALM = 'oauth2-m2m';

const quote = (value: string): string => value.replace(/["\\]/g, '');

/** `Bearer realm="…"` alone when no token was sent; with error attributes otherwise. */
export function bearerChallenge(attributes: Record<string, string> = {}): string {
  const parts = [`realm="${BEARER_REALM}"`];
  for (const [name, value] of Object.entries(attributes)) parts.push(`${name}="${quote(value)}"`);
  return `Bearer ${parts.join(', ')}`;
}
