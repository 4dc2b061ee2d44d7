import type { DomainEventName, DomainEvents } from '../common/events';
import type { AuditLog } from './schemas/audit-log.schema';
import { redactString, redactValue } from './redaction';

/**
 * Domain event → the `event_type` stored in `audit_logs`. The FastAPI service's seven names are kept
 * exactly; the rest are the event name in snake_case. A Record over every event name, so a new
 * event that nobody maps fails to compile instead of going unaudited.
 */
export const AUDIT_EVENT_TYPES: Record<DomainEventName, string> = {
  'client.authenticated': 'login_success',
  'client.authentication_failed': 'login_failure',
  'token.revoked': 'token_revoked',
  'refresh_token.reused': 'refresh_token_reuse',
  'refresh_token.invalid': 'refresh_token_invalid',
  'refresh_token.grace_replayed': 'refresh_token_grace_replayed',
  'rate_limit.exceeded': 'rate_limit_exceeded',
  'token.invalid': 'token_invalid',
  'token.issued': 'token_issued',
  'token.denied': 'token_denied',
  'access.denied': 'access_denied',
  'client.created': 'client_created',
  'client.updated': 'client_updated',
  'client.deleted': 'client_deleted',
  'client.secret_added': 'client_secret_added',
  'client.secret_expired': 'client_secret_expired',
  'client.secret_migrated': 'client_secret_migrated',
  'signing_key.created': 'signing_key_created',
  'signing_key.activated': 'signing_key_activated',
  'signing_key.retired': 'signing_key_retired',
  'config.updated': 'config_updated',
};

/** The FastAPI service's event types, which must stay queryable under these exact names. */
export const LEGACY_EVENT_TYPES = [
  'login_success',
  'login_failure',
  'token_revoked',
  'refresh_token_reuse',
  'refresh_token_invalid',
  'rate_limit_exceeded',
  'token_invalid',
] as const;

export const ALL_EVENT_TYPES: string[] = [...new Set(Object.values(AUDIT_EVENT_TYPES))].sort();

export type AuditEntry = Omit<AuditLog, '_id'>;

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const bounded = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? redactString(value) : undefined;
/** The payload fields stored at the top level; everything else goes to `details`. */
const TOP_LEVEL = new Set(['clientId', 'ip', 'requestId', 'reason']);

/**
 * Builds the stored entry: the FastAPI service's top-level fields, everything else redacted in `details`.
 * Runs for every token request, so it assigns only the fields present: no object rest, and never
 * `delete`, which turns the object into a slow dictionary for BSON serialisation too.
 */
export function toAuditEntry<K extends DomainEventName>(
  name: K,
  payload: DomainEvents[K],
  now: Date,
  retentionMs: number,
): AuditEntry {
  const fields = payload as DomainEvents[K] & Record<string, unknown>;
  let details: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (TOP_LEVEL.has(key)) continue;
    (details ??= {})[snake(key)] = fields[key];
  }
  const cleaned = details && (redactValue(details) as Record<string, unknown>);
  const entry = { event_type: AUDIT_EVENT_TYPES[name] } as AuditEntry;
  // Absent stays absent: undefined must not be stored as null.
  const clientId = bounded(fields.clientId);
  if (clientId !== undefined) entry.client_id = clientId;
  const ip = bounded(fields.ip);
  if (ip !== undefined) entry.ip = ip;
  entry.reason = bounded(fields.reason) ?? '';
  entry.timestamp = now;
  const requestId = bounded(fields.requestId);
  if (requestId !== undefined) entry.request_id = requestId;
  if (cleaned && Object.keys(cleaned).length > 0) entry.details = cleaned;
  entry.expires_at = new Date(now.getTime() + retentionMs);
  return entry;
}
