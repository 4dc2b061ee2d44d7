import type { DomainEventName, DomainEvents } from '../common/events';
import type { RequestMeta } from '../common/http/request-context';
import { eventTypeOf, type AuditEntry } from './audit-event-map';
import { isSensitiveKey, redactString, redactValue } from './redaction';

/** One event as it happened: its name and payload, as emitted. */
export interface AuditEvent<K extends DomainEventName = DomainEventName> {
  name: K;
  payload: DomainEvents[K];
}

type Fields = Record<string, unknown>;

/** The payload fields stored at the top level (or not at all: `request`); the rest go to `details`. */
const TOP_LEVEL: ReadonlySet<string> = new Set([
  'clientId',
  'ip',
  'requestId',
  'reason',
  'request',
]);
type TopLevelField = 'clientId' | 'ip' | 'requestId' | 'reason' | 'request';
type PayloadField = { [K in DomainEventName]: keyof DomainEvents[K] }[DomainEventName];

/**
 * Every field a typed payload can carry in `details`. A Record over the payload types' keys, so a
 * new field is listed here or the build fails; their stored names are worked out once, below.
 */
const DETAIL_FIELDS: Record<Exclude<PayloadField, TopLevelField>, true> = {
  method: true,
  issuer: true,
  subject: true,
  grantType: true,
  jti: true,
  scope: true,
  audience: true,
  refreshTokenIssued: true,
  jkt: true,
  actor: true,
  tokenType: true,
  familyId: true,
  secretId: true,
  kid: true,
  code: true,
  endpoint: true,
};
/** Details hold at most this many fields. */
const MAX_FIELDS = 50;

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** The stored name of a payload field, or null for a name that is never stored. */
const storedNameOf = (key: string): string | null => {
  const name = snake(key);
  return isSensitiveKey(name) ? null : name;
};
const STORED_NAMES: ReadonlyMap<string, string | null> = new Map(
  Object.keys(DETAIL_FIELDS).map((key) => [key, storedNameOf(key)]),
);

const bounded = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? redactString(value) : undefined;

/**
 * Adds a payload's detail fields to `details`, redacted, in one pass: the object built here is
 * the one stored. A name outside the typed payloads (an untyped extra) is checked as it comes.
 */
function addDetails(details: Fields | undefined, fields: Fields): Fields | undefined {
  let count = details ? Object.keys(details).length : 0;
  for (const key of Object.keys(fields)) {
    if (TOP_LEVEL.has(key)) continue;
    const known = STORED_NAMES.get(key);
    const name = known === undefined ? storedNameOf(key) : known;
    if (name === null) continue;
    const value = redactValue(fields[key], 1);
    if (value === undefined) continue;
    if (details?.[name] === undefined && ++count > MAX_FIELDS) break;
    (details ??= {})[name] = value;
  }
  return details;
}

/**
 * Builds a stored entry: the FastAPI service's top-level fields, everything else redacted in
 * `details`. Type and reason are the primary event's; client, IP and request id are the
 * primary's, or the first other event's that has them; details are every event's, the primary's
 * last so that its fields win. Assigns only the fields present: no object rest, and never
 * `delete`, which turns the object into a slow dictionary for BSON serialisation too.
 */
function buildEntry(
  primary: AuditEvent,
  others: readonly AuditEvent[],
  now: Date,
  retentionMs: number,
  endpoint?: string,
): AuditEntry {
  const main = primary.payload as unknown as Fields;
  let details: Fields | undefined = endpoint === undefined ? undefined : { endpoint };
  let clientId = main.clientId;
  let ip = main.ip;
  let requestId = main.requestId;
  for (const other of others) {
    const fields = other.payload as unknown as Fields;
    details = addDetails(details, fields);
    clientId ??= fields.clientId;
    ip ??= fields.ip;
    requestId ??= fields.requestId;
  }
  details = addDetails(details, main);
  const entry = { event_type: eventTypeOf(primary.name, primary.payload) } as AuditEntry;
  // Absent stays absent: undefined must not be stored as null.
  const client = bounded(clientId);
  if (client !== undefined) entry.client_id = client;
  const address = bounded(ip);
  if (address !== undefined) entry.ip = address;
  entry.reason = bounded(main.reason) ?? '';
  entry.timestamp = now;
  const request = bounded(requestId);
  if (request !== undefined) entry.request_id = request;
  if (details) entry.details = details;
  entry.expires_at = new Date(now.getTime() + retentionMs);
  return entry;
}

/** The entry of one event on its own: a change, or an event outside any request. */
export function toAuditEntry<K extends DomainEventName>(
  name: K,
  payload: DomainEvents[K],
  now: Date,
  retentionMs: number,
): AuditEntry {
  return buildEntry({ name, payload }, [], now, retentionMs);
}

/**
 * The one entry of a request: its deciding event, with what the request's other events add and
 * the route it was made on (`details.endpoint`), so that every request's entry names it.
 */
export function toOutcomeEntry(
  events: readonly AuditEvent[],
  decisive: number,
  request: RequestMeta,
  now: Date,
  retentionMs: number,
): AuditEntry {
  const others = events.length === 1 ? [] : events.filter((_, i) => i !== decisive);
  return buildEntry(events[decisive], others, now, retentionMs, bounded(request.endpoint));
}
