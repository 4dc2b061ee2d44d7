import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { requestClientCredentials, startHttpTestApp, type HttpTestApp } from '../support/http-app';

/** /health/live, /health/ready (database ping) and the Prometheus scrape at /metrics. */
describe('health probes and metrics', () => {
  let t: HttpTestApp;
  let client: TestClient;

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const tokenRequest = (clientId: string, secret: string) =>
    requestClientCredentials(t.app, clientId, secret);

  beforeAll(async () => {
    // The per-client label is opt-in; this file checks the labelled series.
    t = await startHttpTestApp({ env: { METRICS_CLIENT_LABEL: 'true' } });
    client = await createClient(t.app);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('GET /health/live: 200 without credentials, with a request id', async () => {
    const res = await get('/health/live');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('GET /health/ready: 200 with the database up', async () => {
    const res = await get('/health/ready');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      info: { database: { status: 'up' } },
      error: {},
      details: { database: { status: 'up' } },
    });
  });

  it('GET /metrics: Prometheus text with tokens issued and denied by client and reason, rate-limit hits and latency', async () => {
    expect((await tokenRequest(client.clientId, client.secret)).statusCode).toBe(200);
    expect((await tokenRequest(client.clientId, 'wrong')).statusCode).toBe(401);
    expect((await tokenRequest('made-up-client', 'wrong')).statusCode).toBe(401);
    const runtime = t.app.get(RuntimeConfigService);
    const limit = runtime.current.maxRequestsPerMinute;
    await runtime.update({ maxRequestsPerMinute: 1 });
    expect((await tokenRequest('limited-client', 'x')).statusCode).toBe(401);
    expect((await tokenRequest('limited-client', 'x')).statusCode).toBe(429);
    await runtime.update({ maxRequestsPerMinute: limit });
    await get('/no/such/path/12345');

    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    expect(text).toContain(
      `oauth_tokens_issued_total{client_id="${client.clientId}",grant_type="client_credentials"} 1`,
    );
    // Failed authentication never turns a caller-chosen id into a label value.
    expect(text).toContain(
      `oauth_tokens_denied_total{client_id="${client.clientId}",reason="invalid_client"} 1`,
    );
    expect(text).toContain(
      'oauth_tokens_denied_total{client_id="unknown",reason="invalid_client"} 2',
    );
    expect(text).toContain(
      'oauth_tokens_denied_total{client_id="unknown",reason="rate_limit_exceeded"} 1',
    );
    expect(text).toContain('oauth_client_authentication_failures_total 3');
    expect(text).not.toContain('made-up-client');
    expect(text).not.toContain('limited-client');
    expect(text).toContain('rate_limit_exceeded_total 1');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status_code="200"\} \d+/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status_code="429"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('GET /health/ready: 503 once the database connection is gone, while /health/live stays 200', async () => {
    await t.app.get<Connection>(getConnectionToken()).close();
    const res = await get('/health/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('temporarily_unavailable');
    expect((await get('/health/live')).statusCode).toBe(200);
  });
});
