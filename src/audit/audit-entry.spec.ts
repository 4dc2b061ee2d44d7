import { requestMetaOf } from '../common/http/request-context';
import type { FastifyRequest } from 'fastify';
import { toAuditEntry, toOutcomeEntry, type AuditEvent } from './audit-entry';
import { REDACTED } from './redaction';

const NOW = new Date('2025-07-27T10:00:00Z');
const DAY = 86_400_000;

describe('toAuditEntry', () => {
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
      // A client_credentials grant's token is a login, as the FastAPI service wrote.
      event_type: 'login_success',
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

describe('toOutcomeEntry', () => {
  const request = requestMetaOf({
    ip: '10.0.0.9',
    id: 'req-9',
    url: '/oauth/token?x=1',
    routeOptions: { url: '/oauth/token' },
  } as unknown as FastifyRequest);
  const authenticated: AuditEvent = {
    name: 'client.authenticated',
    payload: {
      clientId: 'svc',
      ip: '10.0.0.9',
      requestId: 'req-9',
      request,
      reason: 'authenticated with federated',
      method: 'federated',
      issuer: 'https://issuer.example',
      subject: 'system:serviceaccount:ns:sa',
    },
  };
  const denied: AuditEvent = {
    name: 'token.denied',
    payload: {
      clientId: 'claimed',
      ip: '10.0.0.9',
      requestId: 'req-9',
      request,
      endpoint: '/oauth/token',
      code: 'invalid_scope',
      reason: 'scope not allowed for this client: admin',
    },
  };

  it("takes the deciding event's type and reason, and every event's details", () => {
    expect(toOutcomeEntry([authenticated, denied], 1, request, NOW, DAY)).toEqual({
      event_type: 'token_denied',
      client_id: 'claimed',
      ip: '10.0.0.9',
      reason: 'scope not allowed for this client: admin',
      timestamp: NOW,
      request_id: 'req-9',
      details: {
        endpoint: '/oauth/token',
        method: 'federated',
        issuer: 'https://issuer.example',
        subject: 'system:serviceaccount:ns:sa',
        code: 'invalid_scope',
      },
      expires_at: new Date(NOW.getTime() + DAY),
    });
  });

  it('lets the deciding event win a field both carry; fills a missing client from the others', () => {
    const reused: AuditEvent = {
      name: 'refresh_token.reused',
      payload: { request, reason: 'reused', familyId: 'fam-1' },
    };
    const revoked: AuditEvent = {
      name: 'token.revoked',
      payload: { request, clientId: 'svc', reason: 'reuse', tokenType: 'family', familyId: 'x' },
    };
    const entry = toOutcomeEntry([reused, revoked], 0, request, NOW, DAY);
    expect(entry).toMatchObject({
      event_type: 'refresh_token_reuse',
      client_id: 'svc',
      reason: 'reused',
      details: { endpoint: '/oauth/token', token_type: 'family', family_id: 'fam-1' },
    });
    // The request context is how events are grouped, never stored.
    expect(JSON.stringify(entry)).not.toContain('"request"');
  });

  it('masks credential query parameters in a stored endpoint', () => {
    const unrouted = requestMetaOf({
      ip: '10.0.0.9',
      id: 'req-10',
      url: '/nowhere?client_secret=hunter2',
    } as unknown as FastifyRequest);
    const entry = toOutcomeEntry(
      [{ name: 'rate_limit.exceeded', payload: { request: unrouted, reason: 'too many' } }],
      0,
      unrouted,
      NOW,
      DAY,
    );
    expect(JSON.stringify(entry)).not.toContain('hunter2');
    expect(entry.details?.endpoint).toEqual(expect.stringMatching(/^\/nowhere\?client_secret=/));
  });
});
