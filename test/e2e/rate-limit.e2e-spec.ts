import type { Db } from 'mongodb';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import {
  createAdminClient,
  createClient,
  type TestClient,
} from '../support/factories/client.factory';
import { accessTokenFor, basicAuth, form, type HttpTestApp } from '../support/http-app';
import { startRateLimitedPair, type RateLimitedPair } from '../support/rate-limit-apps';

/**
 * The rate limit over HTTP: the limit from the FastAPI service's jwt_config, 429 with Retry-After, the
 * audit entry, and the global guarantee across two app instances sharing one database.
 */
describe('rate limiting (MAX_REQUESTS_PER_MINUTE, shared across instances)', () => {
  const LIMIT = 5;
  let pair: RateLimitedPair;
  let WINDOW_START: number;
  let db: Db;
  let a: HttpTestApp;
  let b: HttpTestApp;

  const tokenRequest = (t: HttpTestApp, client: TestClient, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(client.clientId, client.secret),
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      payload: form({ grant_type: 'client_credentials' }),
    });

  const accessToken = (t: HttpTestApp, client: TestClient, scope?: string): Promise<string> =>
    accessTokenFor(t.app, client.clientId, client.secret, scope);

  beforeAll(async () => {
    pair = await startRateLimitedPair(LIMIT);
    ({ db, a, b, windowStart: WINDOW_START } = pair);
  });

  afterAll(() => pair?.close());

  it('admits MAX_REQUESTS_PER_MINUTE from jwt_config, then 429 with Retry-After, the exact body and an audit entry', async () => {
    expect(a.app.get(RuntimeConfigService).current.maxRequestsPerMinute).toBe(LIMIT);
    const client = await createClient(a.app);
    for (let i = 0; i < LIMIT; i++) expect((await tokenRequest(a, client)).statusCode).toBe(200);

    const refused = await tokenRequest(a, client);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('59');
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.json()).toEqual({
      error: 'rate_limit_exceeded',
      error_description: `Rate limit exceeded: at most ${LIMIT} requests per minute; retry after 59 s`,
    });

    // The FastAPI service's document shape: one counter per client, IP and window.
    const windowId = `${client.clientId}:127.0.0.1:${WINDOW_START / 1000}`;
    expect(await db.collection('rate_limits').findOne({ _id: windowId as never })).toEqual({
      _id: windowId,
      count: LIMIT,
      timestamp: new Date(WINDOW_START),
      expires_at: new Date(WINDOW_START + 60_000),
    });

    await a.app.get(AuditWriter).flush();
    const entries = await db
      .collection('audit_logs')
      .find({ event_type: 'rate_limit_exceeded', client_id: client.clientId })
      .toArray();
    expect(entries).toEqual([
      expect.objectContaining({
        event_type: 'rate_limit_exceeded',
        client_id: client.clientId,
        ip: '127.0.0.1',
        reason: `more than ${LIMIT} requests per minute from this client and IP`,
        timestamp: expect.any(Date),
        request_id: refused.headers['x-request-id'],
      }),
    ]);
    // The refused request wrote that entry and no other.
    expect(
      await db
        .collection('audit_logs')
        .countDocuments({ request_id: refused.headers['x-request-id'] as string }),
    ).toBe(1);
  });

  it('keys by client and IP: another client is unaffected, and X-Forwarded-For is not trusted by default', async () => {
    const noisy = await createClient(a.app);
    const quiet = await createClient(a.app);
    for (let i = 0; i < LIMIT; i++) await tokenRequest(a, noisy);
    expect((await tokenRequest(a, noisy, { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(
      429,
    );
    expect((await tokenRequest(a, quiet)).statusCode).toBe(200);
  });

  it('counts bearer-token calls against the client the token names', async () => {
    const client = await createClient(a.app);
    const token = await accessToken(a, client, 'read');
    for (let i = 1; i < LIMIT; i++) {
      const res = await a.app.inject({
        method: 'GET',
        url: '/protected',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
    }
    const refused = await a.app.inject({
      method: 'GET',
      url: '/protected',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toBe('rate_limit_exceeded');
  });

  it('never admits more than the limit in total across two instances, and follows a limit changed at runtime', async () => {
    const admin = await createAdminClient(a.app);
    const adminToken = await accessToken(a, admin, 'admin');
    const patched = await a.app.inject({
      method: 'PATCH',
      url: '/admin/config',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { max_requests_per_minute: 300 },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ max_requests_per_minute: 300 });
    // Instance b would pick the change up on its next refresh; do it now.
    await b.app.get(RuntimeConfigService).reload();

    const client = await createClient(a.app);
    const results = await Promise.all(
      Array.from({ length: 450 }, (_, i) => tokenRequest(i % 2 === 0 ? a : b, client)),
    );
    const acceptedBy = (t: HttpTestApp) =>
      results.filter((r, i) => r.statusCode === 200 && (i % 2 === 0 ? a : b) === t).length;
    const accepted = results.filter((r) => r.statusCode === 200).length;
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 429)).toBe(true);
    expect(accepted).toBeLessThanOrEqual(300);
    // Both instances served part of the budget; little quota is left parked in local reservations.
    expect(acceptedBy(a)).toBeGreaterThan(0);
    expect(acceptedBy(b)).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThanOrEqual(290);
    const windowId = `${client.clientId}:127.0.0.1:${WINDOW_START / 1000}`;
    const doc = await db.collection('rate_limits').findOne({ _id: windowId as never });
    expect(doc?.count).toBeLessThanOrEqual(300);
  });

  it('does not rate-limit health probes or the metrics scrape', async () => {
    await b.app.get(RuntimeConfigService).update({ maxRequestsPerMinute: 2 });
    for (let i = 0; i < 5; i++) {
      expect((await b.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await b.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    }
    // The same anonymous caller on an ordinary route is limited.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await b.app.inject({ method: 'GET', url: '/protected' })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
  });
});
