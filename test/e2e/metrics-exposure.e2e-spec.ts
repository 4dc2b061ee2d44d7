import { createClient, type TestClient } from '../support/factories/client.factory';
import { accessTokenFor, startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * /metrics by default names no client, and METRICS_SCOPE puts it behind a bearer token with
 * that scope (same refusals as any protected route).
 */
describe('/metrics exposure: no client ids by default, protected by METRICS_SCOPE', () => {
  let t: HttpTestApp;
  let scraper: TestClient;
  let other: TestClient;

  const scrape = (bearer?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }) },
    });

  beforeAll(async () => {
    t = await startHttpTestApp({ env: { METRICS_SCOPE: 'metrics' } });
    scraper = await createClient(t.app, { clientId: 'metrics-scraper', scopes: ['metrics'] });
    other = await createClient(t.app, { clientId: 'metrics-other-client' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('without a token: 401 with a bearer challenge', async () => {
    const res = await scrape();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'missing bearer token',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="oauth2-m2m"');
  });

  it('with a token lacking the scope: 403 insufficient_scope', async () => {
    const res = await scrape(await accessTokenFor(t.app, other.clientId, other.secret));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'token lacks scope: metrics',
    });
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="oauth2-m2m", error="insufficient_scope", error_description="token lacks scope: metrics", scope="metrics"',
    );
  });

  it('with the scope: the counters by grant type and reason, and no client id anywhere', async () => {
    const token = await accessTokenFor(t.app, scraper.clientId, scraper.secret);
    await accessTokenFor(t.app, other.clientId, other.secret);
    const res = await scrape(token);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^oauth_tokens_issued_total\{grant_type="client_credentials"\} \d+$/m);
    expect(res.body).toMatch(/^oauth_tokens_denied_total\{reason="insufficient_scope"\} 1$/m);
    expect(res.body).not.toContain('client_id');
    expect(res.body).not.toContain(scraper.clientId);
    expect(res.body).not.toContain(other.clientId);
  });
});
