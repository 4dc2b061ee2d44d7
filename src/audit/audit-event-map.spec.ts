import {
  AUDIT_EVENT_TYPES,
  eventTypeOf,
  LEGACY_EVENT_TYPES,
  OUTCOME_RANK,
  OUTCOME_ROLES,
} from './audit-event-map';
import { redactValue } from './redaction';

describe('audit event map', () => {
  it('keeps the FastAPI service event types under their exact names', () => {
    expect(AUDIT_EVENT_TYPES['client.authenticated']).toBe('login_success');
    expect(AUDIT_EVENT_TYPES['client.authentication_failed']).toBe('login_failure');
    expect(AUDIT_EVENT_TYPES['token.revoked']).toBe('token_revoked');
    expect(AUDIT_EVENT_TYPES['refresh_token.reused']).toBe('refresh_token_reuse');
    expect(AUDIT_EVENT_TYPES['refresh_token.invalid']).toBe('refresh_token_invalid');
    expect(AUDIT_EVENT_TYPES['rate_limit.exceeded']).toBe('rate_limit_exceeded');
    expect(AUDIT_EVENT_TYPES['token.invalid']).toBe('token_invalid');
    expect(Object.values(AUDIT_EVENT_TYPES)).toEqual(
      expect.arrayContaining([...LEGACY_EVENT_TYPES]),
    );
  });

  it('maps every other event to its snake_case name', () => {
    for (const [name, type] of Object.entries(AUDIT_EVENT_TYPES)) {
      if ((LEGACY_EVENT_TYPES as readonly string[]).includes(type)) continue;
      expect(type).toBe(name.replace('.', '_'));
    }
  });

  it('makes the token of a login grant a login_success, as the FastAPI service wrote', () => {
    const issued = (grantType: string) => ({
      clientId: 'svc',
      reason: `${grantType} grant`,
      grantType,
      jti: 'j',
      scope: [],
      audience: [],
      refreshTokenIssued: false,
    });
    expect(eventTypeOf('token.issued', issued('client_credentials'))).toBe('login_success');
    expect(eventTypeOf('token.issued', issued('password'))).toBe('login_success');
    expect(eventTypeOf('token.issued', issued('refresh_token'))).toBe('token_issued');
    expect(
      eventTypeOf('token.issued', issued('urn:ietf:params:oauth:grant-type:token-exchange')),
    ).toBe('token_issued');
    expect(eventTypeOf('rate_limit.exceeded', { reason: 'x' })).toBe('rate_limit_exceeded');
  });

  it('ranks a cause above a refusal above a success above a step; changes are not ranked', () => {
    expect(OUTCOME_ROLES['client.created']).toBe('change');
    expect(OUTCOME_ROLES['signing_key.created']).toBe('change');
    expect(OUTCOME_ROLES['config.updated']).toBe('change');
    const rank = (name: keyof typeof OUTCOME_ROLES) =>
      OUTCOME_RANK[OUTCOME_ROLES[name] as keyof typeof OUTCOME_RANK];
    expect(rank('client.authentication_failed')).toBeGreaterThan(rank('token.denied'));
    expect(rank('token.denied')).toBeGreaterThan(rank('token.issued'));
    expect(rank('token.issued')).toBeGreaterThan(rank('client.authenticated'));
  });
});

describe('redactValue', () => {
  it('truncates long strings and bounds depth and width', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(redactValue({ s: 'x'.repeat(1_000), deep })).toEqual({
      s: `${'x'.repeat(256)}…`,
      deep: { a: { b: '[truncated]' } },
    });
    expect((redactValue(Array.from({ length: 100 }, (_, i) => i)) as unknown[]).length).toBe(50);
  });

  it('keeps harmless names that only look sensitive', () => {
    expect(
      redactValue({ token_type: 'access_token', secret_id: 's1', refresh_token_issued: true }),
    ).toEqual({
      token_type: 'access_token',
      secret_id: 's1',
      refresh_token_issued: true,
    });
  });
});
