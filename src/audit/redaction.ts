import { redactQuery } from '../logging/query-redaction';

/**
 * A last line of defence: events are designed never to carry secrets, but an audit log is
 * forever, so whatever reaches it is filtered again. Fields named like a credential are dropped,
 * credential query parameters in a URL and anything shaped like a JWT are masked, long strings
 * are cut and deep structures are bounded.
 */
const SENSITIVE_KEY =
  /secret|password|passwd|token|assertion|authorization|cookie|private|credential|api_?key|^pwd$|^key$/i;
/** Names that match the pattern above but only ever hold harmless values. */
const SAFE_KEYS = new Set([
  'token_type',
  'refresh_token_issued',
  'secret_id',
  'token_endpoint_auth_method',
]);
const JWT_SHAPE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
export const MAX_STRING = 256;
const MAX_DEPTH = 3;
const MAX_ITEMS = 50;
export const REDACTED = '[redacted]';

export const isSensitiveKey = (key: string): boolean =>
  SENSITIVE_KEY.test(key) && !SAFE_KEYS.has(key);

export function redactString(value: string): string {
  // Hot path (several strings per token request): a JWT needs two dots, most values have none.
  const unmasked = value.includes('?') ? redactQuery(value) : value;
  const masked = unmasked.includes('.') ? unmasked.replace(JWT_SHAPE, REDACTED) : unmasked;
  return masked.length > MAX_STRING ? `${masked.slice(0, MAX_STRING)}…` : masked;
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, MAX_ITEMS)) {
    if (isSensitiveKey(key)) continue;
    const cleaned = redactValue(v, depth + 1);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return out;
}
