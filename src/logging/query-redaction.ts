export const QUERY_CENSOR = '[redacted]';

/** Names that are credentials only when they are the whole (normalised) name. */
const EXACT_NAMES = new Set(['key', 'code', 'pwd', 'pass', 'sig', 'signature', 'auth']);

/**
 * Parts that make any name a credential: client_secret, x-api-key, refreshToken, id_token,
 * client_assertion, user[password]… (after normalisation, see below).
 */
const NAME_PARTS =
  /password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|authorization|assertion|credential|session|cookie/;

/** Undoes percent- and plus-encoding, repeatedly (a double-encoded name is still a name). */
function decodeName(raw: string): string {
  let name = raw;
  for (let i = 0; i < 3 && name.includes('%'); i++) {
    let next: string;
    try {
      next = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // Malformed escapes: decode the well-formed ones and keep the rest as they are.
      next = name.replace(/%[0-9a-fA-F]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
    }
    if (next === name) break;
    name = next;
  }
  return name.replace(/\+/g, ' ');
}

/** Case, separators and brackets do not change what a name means: `API-Key`, `api_key[0]` → `apikey0`. */
const normalise = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export function isCredentialName(rawName: string): boolean {
  const name = normalise(decodeName(rawName));
  return EXACT_NAMES.has(name) || NAME_PARTS.test(name);
}

/**
 * `/x?pass%77ord=abc&ok=1` → `/x?pass%77ord=[redacted]&ok=1`: every query parameter whose name,
 * once decoded, is credential-like has its value replaced. The name is kept as sent, the
 * fragment is dropped (a browser never sends one; anything after `#` is suspect).
 */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const parts = query.split(/([&;])/);
  for (let i = 0; i < parts.length; i += 2) {
    const eq = parts[i].indexOf('=');
    if (eq !== -1 && isCredentialName(parts[i].slice(0, eq))) {
      parts[i] = `${parts[i].slice(0, eq + 1)}${QUERY_CENSOR}`;
    }
  }
  return `${url.slice(0, q + 1)}${parts.join('')}`;
}
