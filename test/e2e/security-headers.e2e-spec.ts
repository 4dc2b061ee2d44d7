import { connect } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { useAdminApp } from '../support/admin-app';

const CSP =
  "default-src 'self';base-uri 'none';connect-src 'self';font-src 'self' data:;" +
  "form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';" +
  "script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline'";

/** What every response carries, whoever produced it. */
function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  // HSTS is opt-in (HSTS_MAX_AGE_SECONDS); off by default.
  expect(headers['strict-transport-security']).toBeUndefined();
}

const expectNoStore = (res: LightMyRequestResponse) => {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
};

describe('security headers', () => {
  const admin = useAdminApp();

  it('an admin route: the security headers, CSP and X-Request-Id', async () => {
    const res = await admin.call('GET', '/admin/clients');
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res.headers);
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('responses carrying a client secret are no-store: create, add secret, rotate', async () => {
    const created = await admin.call('POST', '/admin/clients', {
      client_id: 'headers-client',
      scopes: ['read'],
      role: 'user',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toHaveProperty('client_secret');
    expectNoStore(created);
    expectSecurityHeaders(created.headers);

    const added = await admin.call('POST', '/admin/clients/headers-client/secrets', {});
    expect(added.statusCode).toBe(201);
    expectNoStore(added);

    const rotated = await admin.call('POST', '/admin/clients/headers-client/secrets/rotate', {});
    expect(rotated.statusCode).toBe(201);
    expectNoStore(rotated);
  });

  it('a token response is no-store and carries the security headers', async () => {
    const res = await admin.t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&client_id=nobody&client_secret=x',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: expect.any(String),
    });
    expectNoStore(res);
    expectSecurityHeaders(res.headers);
  });

  it('error responses too: 401 without a token, 404 for an unknown route', async () => {
    const unauthenticated = await admin.call('GET', '/admin/clients', undefined, '');
    expect(unauthenticated.statusCode).toBe(401);
    expectSecurityHeaders(unauthenticated.headers);

    const missing = await admin.t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
    expectSecurityHeaders(missing.headers);
    expect(missing.headers['x-request-id']).toEqual(expect.any(String));
  });

  it.each(['/docs', '/docs/'])(
    '%s: the HTML loads under the CSP, with only same-origin scripts and no inline script',
    async (path) => {
      const page = await admin.t.app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expectSecurityHeaders(page.headers);
      expect(page.headers['content-security-policy']).toBe(CSP);

      // script-src 'self' holds only if every script is a same-origin file: no inline code, no CDN.
      const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, inline] of scripts) {
        expect(inline.trim()).toBe('');
        expect(attributes).toMatch(/src="(?!https?:|\/\/)[^"]+"/);
      }
      for (const [, attributes] of scripts) {
        const src = /src="([^"]+)"/.exec(attributes)![1];
        const asset = await admin.t.app.inject({
          method: 'GET',
          url: new URL(src, `http://localhost${path}`).pathname,
        });
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['content-type']).toMatch(/javascript/);
        expectSecurityHeaders(asset.headers);
      }
    },
  );

  it('/docs/json carries the headers', async () => {
    const json = await admin.t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expectSecurityHeaders(json.headers);
  });
});

describe('security headers below Nest', () => {
  const admin = useAdminApp();
  let port: number;

  beforeAll(async () => {
    await admin.t.app.listen(0, '127.0.0.1');
    port = (admin.t.app.getHttpServer().address() as { port: number }).port;
  });

  /** Writes raw bytes and collects whatever the server answers until it closes the connection. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it('a URL the router refuses (bad percent-encoding in a parameter) gets the headers too', async () => {
    const res = await admin.t.app.inject({ method: 'GET', url: '/admin/clients/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
    expect(res.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(res.headers);
  });

  it('a request the HTTP parser refuses (431) is answered with the headers, in the OAuth format', async () => {
    const answer = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toContain('X-Content-Type-Options: nosniff');
    expect(head).toContain('Referrer-Policy: no-referrer');
    expect(head).toContain('X-Frame-Options: DENY');
    expect(head).toContain("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'");
    expect(head).toContain('Cache-Control: no-store');
    expect(JSON.parse(body)).toEqual({
      error: 'invalid_request',
      error_description: 'request header fields too large',
    });
  });
});
