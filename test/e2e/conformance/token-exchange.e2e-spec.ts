import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { AuditWriter } from '../../../src/audit/audit-writer.service';
import { createClient, type TestClient } from '../../support/factories/client.factory';
import { basicAuth, form, startHttpTestApp, type HttpTestApp } from '../../support/http-app';
import { discover, insecure } from '../../support/oauth4webapi';
import { WorkloadIssuer } from '../../support/workload-issuer';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const BILLING = 'https://billing.internal';

/**
 * RFC 8693 through the generic grant requests of oauth4webapi and openid-client, against the real
 * AppModule: impersonation, delegation with a nested `act`, a federated JWT as subject token, and
 * the refusals with their exact RFC error bodies.
 */
describe('conformance: token exchange (RFC 8693)', () => {
  let t: HttpTestApp;
  let k8s: WorkloadIssuer;
  let as: oauth.AuthorizationServer;
  let caller: TestClient;
  let serviceA: TestClient;
  let serviceB: TestClient;

  const exchanger = (overrides: Parameters<typeof createClient>[1] = {}) =>
    createClient(t.app, {
      scopes: ['read', 'write'],
      role: 'service',
      grantTypes: ['client_credentials', EXCHANGE],
      tokenExchange: { audiences: [BILLING, 'https://ledger.internal'] },
      ...overrides,
    });

  beforeAll(async () => {
    k8s = await WorkloadIssuer.start('kubernetes');
    t = await startHttpTestApp({ listen: true });
    as = await discover(t.issuer);
    caller = await createClient(t.app, { scopes: ['read', 'write'] });
    serviceA = await exchanger({
      federatedCredentials: [{ issuer: k8s.issuer, subject: 'system:serviceaccount:payments:*' }],
    });
    serviceB = await exchanger();
  });
  afterAll(async () => {
    await t?.close();
    await k8s?.close();
  });

  const tokenOf = async (c: TestClient, scope?: string): Promise<string> => {
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: c.clientId },
      oauth.ClientSecretBasic(c.secret),
      new URLSearchParams(scope ? { scope } : {}),
      insecure,
    );
    return (await oauth.processClientCredentialsResponse(as, { client_id: c.clientId }, res))
      .access_token;
  };
  const exchange = (c: TestClient, fields: Record<string, string | string[]>) =>
    fetch(`${t.issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(c.clientId, c.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form({ grant_type: EXCHANGE, ...fields }),
    });
  const expectError = async (res: Response, status: number, body: Record<string, string>) => {
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(body);
  };

  it('discovery lists the grant', () => {
    expect(as.grant_types_supported).toContain(EXCHANGE);
  });

  it('oauth4webapi: a narrower token for another audience, about the same subject', async () => {
    const subjectToken = await tokenOf(caller);
    const result = await oauth.processGenericTokenEndpointResponse(
      as,
      { client_id: serviceA.clientId },
      await oauth.genericTokenEndpointRequest(
        as,
        { client_id: serviceA.clientId },
        oauth.ClientSecretBasic(serviceA.secret),
        EXCHANGE,
        new URLSearchParams({
          subject_token: subjectToken,
          subject_token_type: ACCESS,
          audience: BILLING,
          scope: 'read',
        }),
        insecure,
      ),
    );
    expect(result.issued_token_type).toBe(ACCESS);
    expect(result.scope).toBe('read');
    expect(result.refresh_token).toBeUndefined();
    const claims = decodeJwt(result.access_token);
    expect(claims).toMatchObject({
      sub: caller.clientId,
      client_id: serviceA.clientId,
      aud: [BILLING],
      scope: 'read',
    });
    expect(claims.act).toBeUndefined();
  });

  it('openid-client: delegation nests act, and a second hop keeps the chain', async () => {
    const configA = await client.discovery(
      new URL(t.issuer),
      serviceA.clientId,
      undefined,
      client.ClientSecretBasic(serviceA.secret),
      { execute: [client.allowInsecureRequests] },
    );
    const first = await client.genericGrantRequest(configA, EXCHANGE, {
      subject_token: await tokenOf(caller, 'read write'),
      subject_token_type: ACCESS,
      actor_token: await tokenOf(serviceA),
      actor_token_type: ACCESS,
      resource: BILLING,
    });
    expect(first.issued_token_type).toBe(ACCESS);
    expect(decodeJwt(first.access_token).act).toEqual({ sub: serviceA.clientId, iss: t.issuer });

    const res = await exchange(serviceB, {
      subject_token: first.access_token,
      subject_token_type: ACCESS,
      actor_token: await tokenOf(serviceB),
      actor_token_type: ACCESS,
      audience: 'https://ledger.internal',
      scope: 'read',
    });
    expect(res.status).toBe(200);
    const second = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(second).toMatchObject({ sub: caller.clientId, client_id: serviceB.clientId });
    expect(second.act).toEqual({
      sub: serviceB.clientId,
      iss: t.issuer,
      act: { sub: serviceA.clientId, iss: t.issuer },
    });

    await t.app.get(AuditWriter).flush();
    const entry = await t.db.collection('audit_logs').findOne({
      event_type: 'token_issued',
      client_id: serviceB.clientId,
      'details.grant_type': EXCHANGE,
    });
    expect(entry).toEqual(
      expect.objectContaining({
        reason: `${EXCHANGE} grant`,
        details: expect.objectContaining({
          subject: caller.clientId,
          actor: serviceB.clientId,
          audience: ['https://ledger.internal'],
          scope: ['read'],
        }),
      }),
    );
  });

  it('a federated workload JWT of the client’s own issuer is a subject token', async () => {
    const res = await exchange(serviceA, {
      subject_token: await k8s.mint({ sub: 'system:serviceaccount:payments:api', aud: t.issuer }),
      subject_token_type: JWT,
      audience: BILLING,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; issued_token_type: string };
    expect(body.issued_token_type).toBe(ACCESS);
    expect(decodeJwt(body.access_token).sub).toBe('system:serviceaccount:payments:api');
    // Another client does not trust that issuer: the same kind of token is refused for it.
    await expectError(
      await exchange(serviceB, {
        subject_token: await k8s.mint({ sub: 'system:serviceaccount:payments:api', aud: t.issuer }),
        subject_token_type: JWT,
        audience: BILLING,
      }),
      400,
      { error: 'invalid_request', error_description: 'subject_token is invalid' },
    );
  });

  it('an audience outside the client’s exchange policy: invalid_target', async () => {
    await expectError(
      await exchange(serviceA, {
        subject_token: await tokenOf(caller),
        subject_token_type: ACCESS,
        audience: 'https://payroll.internal',
      }),
      400,
      {
        error: 'invalid_target',
        error_description: 'this client may not exchange tokens for: https://payroll.internal',
      },
    );
    await expectError(
      await exchange(serviceA, {
        subject_token: await tokenOf(caller),
        subject_token_type: ACCESS,
      }),
      400,
      {
        error: 'invalid_target',
        error_description: 'token exchange requires an audience or resource',
      },
    );
  });

  it('a scope wider than the subject token’s: invalid_scope', async () => {
    await expectError(
      await exchange(serviceA, {
        subject_token: await tokenOf(caller, 'read'),
        subject_token_type: ACCESS,
        audience: BILLING,
        scope: 'read write',
      }),
      400,
      { error: 'invalid_scope', error_description: 'scope not allowed for this client: write' },
    );
  });

  it('a client without the grant: unauthorized_client', async () => {
    await expectError(
      await exchange(caller, {
        subject_token: await tokenOf(caller),
        subject_token_type: ACCESS,
        audience: BILLING,
      }),
      400,
      {
        error: 'unauthorized_client',
        error_description: `this client may not use the ${EXCHANGE} grant`,
      },
    );
  });

  it.each([
    [{}, 'subject_token is required'],
    [{ subject_token: 'x' }, 'subject_token_type is required'],
    [
      { subject_token: 'x', subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' },
      `subject_token_type must be ${ACCESS} or ${JWT}`,
    ],
    [
      { subject_token: 'x', subject_token_type: ACCESS, actor_token_type: ACCESS },
      'actor_token_type is only allowed with actor_token',
    ],
    [
      { subject_token: 'x', subject_token_type: ACCESS, actor_token: 'y' },
      'actor_token_type is required',
    ],
    [{ subject_token: 'not-a-token', subject_token_type: ACCESS }, 'subject_token is invalid'],
  ])('%j: invalid_request', async (fields, description) => {
    await expectError(await exchange(serviceA, { audience: BILLING, ...fields }), 400, {
      error: 'invalid_request',
      error_description: description,
    });
  });

  it('a revoked subject token is refused', async () => {
    const subjectToken = await tokenOf(caller);
    const revoke = await fetch(`${t.issuer}/oauth/revoke`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(caller.clientId, caller.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form({ token: subjectToken }),
    });
    expect(revoke.status).toBe(200);
    await expectError(
      await exchange(serviceA, {
        subject_token: subjectToken,
        subject_token_type: ACCESS,
        audience: BILLING,
      }),
      400,
      { error: 'invalid_request', error_description: 'subject_token is invalid' },
    );
  });
});
