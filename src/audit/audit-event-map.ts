import type { DomainEventName, DomainEvents } from '../common/events';
import type { AuditLog } from './schemas/audit-log.schema';

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

/**
 * How an event takes part in the one entry its request writes (see RequestOutcomes):
 * - `change`: a state change (a client, a secret, a key, the configuration): an entry of its
 *   own, inside a request or not;
 * - `step`: a step on the way (the client authenticated): the entry only if nothing follows;
 * - `success`: what the request achieved;
 * - `refusal`: the request was refused, without saying why more precisely;
 * - `cause`: the specific cause of a refusal, which wins over everything else.
 * Also a Record over every event name, so a new event must say how it is audited.
 */
export type OutcomeRole = 'change' | 'step' | 'success' | 'refusal' | 'cause';

export const OUTCOME_ROLES: Record<DomainEventName, OutcomeRole> = {
  'client.authenticated': 'step',
  'client.authentication_failed': 'cause',
  'token.issued': 'success',
  'token.revoked': 'success',
  'refresh_token.grace_replayed': 'success',
  'token.denied': 'refusal',
  'refresh_token.reused': 'cause',
  'refresh_token.invalid': 'cause',
  'rate_limit.exceeded': 'cause',
  'token.invalid': 'cause',
  'access.denied': 'cause',
  'client.created': 'change',
  'client.updated': 'change',
  'client.deleted': 'change',
  'client.secret_added': 'change',
  'client.secret_expired': 'change',
  'client.secret_migrated': 'change',
  'signing_key.created': 'change',
  'signing_key.activated': 'change',
  'signing_key.retired': 'change',
  'config.updated': 'change',
};

/** Which of a request's events decides its entry: the highest rank, the first of equals. */
export const OUTCOME_RANK: Record<Exclude<OutcomeRole, 'change'>, number> = {
  step: 1,
  success: 2,
  refusal: 3,
  cause: 4,
};

/**
 * Grants where the FastAPI service wrote `login_success` for an issued token: its `/token` form
 * (the password grant) and the client authenticating as itself.
 */
const LOGIN_GRANTS: ReadonlySet<string> = new Set(['password', 'client_credentials']);

/** The stored event_type of one event: by name, except a login grant's token, `login_success`. */
export function eventTypeOf<K extends DomainEventName>(name: K, payload: DomainEvents[K]): string {
  if (name === 'token.issued') {
    const { grantType } = payload as DomainEvents['token.issued'];
    if (LOGIN_GRANTS.has(grantType)) return 'login_success';
  }
  return AUDIT_EVENT_TYPES[name];
}

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
