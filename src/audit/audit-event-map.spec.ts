import { AUDIT_EVENT_TYPES, LEGACY_EVENT_TYPES } from './audit-event-map';
import { toAuditEntry } from './audit-entry';
import { redactValue, REDACTED } from './redaction';

const NOW = new Date('2025-07-27T10:00:00Z');
const DAY = 86_400_000;

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

  it('stores the FastAPI service fields at the top level and the rest, snake_cased, in details', () => {
    const entry = toAuditEntry(
      'token.issued',
      {
        clientId: 'svc',
        ip: '10.0.0.7',
        requestId: 'req-1',
        reason: 'client_credentials grant',
        grantType: 'client_credentials',
        jti: 'j-1',
        scope: ['read'],
        audience: ['api'],
        refreshTokenIssued: false,
      },
      NOW,
      90 * DAY,
    );
    expect(entry).toEqual({
      event_type: 'token_issued',
      client_id: 'svc',
      ip: '10.0.0.7',
      reason: 'client_credentials grant',
      timestamp: NOW,
      request_id: 'req-1',
      details: {
        grant_type: 'client_credentials',
        jti: 'j-1',
        scope: ['read'],
        audience: ['api'],
        refresh_token_issued: false,
      },
      expires_at: new Date(NOW.getTime() + 90 * DAY),
    });
  });

  it('leaves absent fields absent rather than null', () => {
    const entry = toAuditEntry(
      'rate_limit.exceeded',
      { ip: '1.2.3.4', reason: 'too many' },
      NOW,
      DAY,
    );
    expect(Object.keys(entry).sort()).toEqual([
      'event_type',
      'expires_at',
      'ip',
      'reason',
      'timestamp',
    ]);
  });

  it('never stores a secret or a token that slipped into a payload', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMiLCJleHAiOjF9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const entry = toAuditEntry(
      'client.authentication_failed',
      {
        clientId: 'svc',
        reason: `bad assertion ${jwt}`,
        code: 'invalid_client',
        client_secret: 'hunter2',
        password: 'p',
        refresh_token: 'rt',
        accessToken: 'at',
        client_assertion: jwt,
        nested: { authorization: 'Basic abc', note: jwt },
      } as never,
      NOW,
      DAY,
    );
    const stored = JSON.stringify(entry);
    for (const secret of ['hunter2', '"p"', '"rt"', '"at"', jwt, 'Basic abc']) {
      expect(stored).not.toContain(secret);
    }
    expect(entry.reason).toBe(`bad assertion ${REDACTED}`);
    expect(entry.details).toEqual({ code: 'invalid_client', nested: { note: REDACTED } });
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
