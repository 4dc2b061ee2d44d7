import { ClientsService } from '../../src/clients/clients.service';
import { createClient } from '../support/factories/client.factory';
import {
  basicAuth,
  form,
  recordEvents,
  startHttpTestApp,
  type HttpTestApp,
} from '../support/http-app';
import { openFamily, refresh, type RaceClient } from '../support/refresh-race';

/**
 * A refused refresh leaves the token usable: every check that can refuse it (scope, resource,
 * the client's grants) runs before the token is consumed, so the retry is not taken for reuse.
 */
describe('refresh: every check runs before the token is consumed', () => {
  const A = 'https://a.example.com';
  const B = 'https://b.example.com';
  let t: HttpTestApp;
  let events: ReturnType<typeof recordEvents>;
  let client: RaceClient;

  beforeAll(async () => {
    t = await startHttpTestApp();
    events = recordEvents(t.events);
    client = await createClient(t.app, { refreshTokens: true, audiences: [A, B] });
  });
  afterAll(async () => {
    events?.stop();
    await t?.close();
  });
  beforeEach(() => {
    events.all.length = 0;
  });

  /** A family narrowed to scope read and audience A, although the client has write and B too. */
  async function narrowFamily(): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(client.clientId, client.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form({ grant_type: 'client_credentials', scope: 'read', resource: A }),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ refresh_token: string }>().refresh_token;
  }

  it('a widening scope gets invalid_scope, and the same token then refreshes', async () => {
    const token = await narrowFamily();
    const widened = await refresh(t.app, client, 'oauth', token, { scope: 'read write' });
    expect({ status: widened.statusCode, body: widened.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_scope',
        error_description: 'scope not allowed for this client: write',
      },
    });
    const retry = await refresh(t.app, client, 'oauth', token);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ scope: 'read', refresh_token: expect.any(String) });
    expect(events.named('refresh_token.reused')).toEqual([]);
    expect(events.named('token.revoked')).toEqual([]);
  });

  it('a resource among the client audiences but not the family gets invalid_target, then the retry succeeds', async () => {
    const token = await narrowFamily();
    const widened = await refresh(t.app, client, 'oauth', token, { resource: B });
    expect({ status: widened.statusCode, body: widened.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_target',
        error_description: `resource not allowed for this client: ${B}`,
      },
    });
    const retry = await refresh(t.app, client, 'oauth', token, { resource: A });
    expect(retry.statusCode).toBe(200);
    expect(events.named('refresh_token.reused')).toEqual([]);
  });

  it("the FastAPI service's /refresh refuses an owner without the refresh grant and leaves the token usable", async () => {
    const family = await openFamily(t.app, client, 'legacy');
    const clients = t.app.get(ClientsService);
    await clients.update(client.clientId, { grantTypes: ['client_credentials', 'password'] });
    const refused = await refresh(t.app, client, 'legacy', family.refreshToken);
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({
      status: 400,
      body: {
        error: 'unauthorized_client',
        error_description: 'this client may not use the refresh_token grant',
      },
    });
    await clients.update(client.clientId, {
      grantTypes: ['client_credentials', 'refresh_token', 'password'],
    });
    const retry = await refresh(t.app, client, 'legacy', family.refreshToken);
    expect(retry.statusCode).toBe(200);
    expect(events.named('refresh_token.reused')).toEqual([]);
  });
});
