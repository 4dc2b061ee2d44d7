import type { InjectOptions } from 'light-my-request';
import { SignJWT, base64url, decodeJwt } from 'jose';
import { AccessTokenService } from '../../src/tokens/access-token.service';
import { TokensClock } from '../../src/tokens/tokens.clock';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { basicAuth, form, startHttpTestApp, type HttpTestApp } from '../support/http-app';
import { collectionCounts } from '../support/legacy-database';

/**
 * Whatever arrives, the answer is a 4xx in the RFC format, never a 5xx, and nothing stored
 * changes (audit entries and rate-limit counters aside: recording refusals is their job).
 */
describe('hostile input', () => {
  let t: HttpTestApp;
  let c: TestClient;
  let valid: { access_token: string; refresh_token: string };
  const WRITES_ALLOWED = ['audit_logs', 'rate_limits'];

  beforeAll(async () => {
    t = await startHttpTestApp();
    c = await createClient(t.app, { scopes: ['read'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      payload: form({ username: c.clientId, password: c.secret }),
    });
    valid = res.json();
  });
  afterAll(() => t?.close());

  async function expectRefusal(
    request: InjectOptions,
    status: number | RegExp,
    error?: string,
  ): Promise<void> {
    const before = await collectionCounts(t.db, WRITES_ALLOWED);
    const res = await t.app.inject(request);
    if (typeof status === 'number') expect(res.statusCode).toBe(status);
    else expect(String(res.statusCode)).toMatch(status);
    const body = res.json();
    expect(body).toEqual({
      error: error ?? expect.any(String),
      error_description: expect.any(String),
    });
    expect(await collectionCounts(t.db, WRITES_ALLOWED)).toEqual(before);
  }

  const json = (url: string, payload: string): InjectOptions => ({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json' },
    payload,
  });
  const formPost = (
    url: string,
    payload: string,
    headers: Record<string, string> = {},
  ): InjectOptions => ({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    payload,
  });
  const bearer = (token: string): InjectOptions => ({
    method: 'GET',
    url: '/protected',
    headers: { Authorization: token },
  });

  describe('JSON bodies of the FastAPI service endpoints', () => {
    it.each([
      ['malformed JSON', '{"refresh_token": '],
      ['an operator object', '{"refresh_token": {"$ne": null}}'],
      ['another operator', '{"refresh_token": {"$gt": ""}}'],
      ['a missing field', '{}'],
      ['a number', '{"refresh_token": 42}'],
      ['an array', '{"refresh_token": ["a", "b"]}'],
      ['null', '{"refresh_token": null}'],
      ['an empty string', '{"refresh_token": ""}'],
      ['a JSON array body', '[1,2,3]'],
      ['a JSON string body', '"refresh"'],
      ['prototype pollution', '{"__proto__": {"admin": true}, "refresh_token": "x"}'],
      [
        'arrays nested 10,000 deep',
        `{"refresh_token": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      ],
      [
        'objects nested 10,000 deep',
        `{"refresh_token": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      ],
    ])('/refresh with %s: 400 invalid_request', async (_name, payload) => {
      await expectRefusal(json('/refresh', payload), 400, 'invalid_request');
    });

    it.each([
      ['an operator object', '{"access_token": {"$ne": null}}'],
      ['a missing field', '{"token": "x"}'],
      ['a number', '{"access_token": 1}'],
      [
        'objects nested 10,000 deep',
        `{"access_token": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      ],
    ])('/revoke with %s: 400 invalid_request', async (_name, payload) => {
      await expectRefusal(json('/revoke', payload), 400, 'invalid_request');
    });

    it.each(['/admin/clients', '/oauth/introspect', '/oauth/token'])(
      '%s with a JSON body nested 10,000 deep: 400 invalid_request before anything else runs',
      async (url) => {
        const payload = `{"client_id": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
        await expectRefusal(json(url, payload), 400, 'invalid_request');
      },
    );

    it.each(['not-a-jwt', 'a.b.c'])('/revoke with %p: 401 invalid_token', async (token) => {
      await expectRefusal(
        json('/revoke', JSON.stringify({ access_token: token })),
        401,
        'invalid_token',
      );
    });

    it('/revoke with a token whose signature was tampered with: 401 invalid_token', async () => {
      const tampered = `${valid.access_token.slice(0, -4)}AAAA`;
      await expectRefusal(
        json('/revoke', JSON.stringify({ access_token: tampered })),
        401,
        'invalid_token',
      );
    });
  });

  describe('form bodies', () => {
    it.each([
      ['a missing password', form({ username: 'x' })],
      ['a repeated username', 'username=a&username=b&password=c'],
      ['an empty body', ''],
      ['bracket "operators"', 'username[$ne]=x&password[$ne]=y'],
      ['broken percent-encoding', 'username=%E0%A4%A&password=%zz'],
    ])('/token with %s: 4xx', async (_name, payload) => {
      await expectRefusal(formPost('/token', payload), /^4\d\d$/);
    });

    it('/oauth/token with a body of an unsupported content type: 415', async () => {
      await expectRefusal(
        {
          method: 'POST',
          url: '/oauth/token',
          headers: { 'Content-Type': 'application/xml' },
          payload: '<grant/>',
        },
        415,
        'invalid_request',
      );
    });

    it('/oauth/token with a text/plain body that looks like a form: 400', async () => {
      await expectRefusal(
        {
          method: 'POST',
          url: '/oauth/token',
          headers: { 'Content-Type': 'text/plain' },
          payload: 'grant_type=client_credentials',
        },
        400,
        'invalid_request',
      );
    });

    it('/oauth/token with a JSON operator object instead of a form: 400', async () => {
      await expectRefusal(
        json('/oauth/token', '{"grant_type": {"$ne": null}, "client_id": {"$ne": null}}'),
        400,
        'invalid_request',
      );
    });

    it('a body larger than BODY_LIMIT_BYTES: 413', async () => {
      await expectRefusal(
        json('/refresh', JSON.stringify({ refresh_token: 'x'.repeat(70_000) })),
        413,
      );
      await expectRefusal(
        formPost('/oauth/token', `grant_type=client_credentials&scope=${'a'.repeat(70_000)}`),
        413,
      );
    });
  });

  describe('Authorization headers', () => {
    it.each([
      ['an empty Basic', 'Basic'],
      ['Basic with garbage', 'Basic %%%'],
      ['Basic without a colon', `Basic ${Buffer.from('justanid').toString('base64')}`],
      ['Basic with bad percent-encoding', `Basic ${Buffer.from('%zz:%zz').toString('base64')}`],
      ['binary junk', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x00]).toString('base64')}`],
    ])('/oauth/token with %s: 401 invalid_client', async (_name, header) => {
      await expectRefusal(
        formPost('/oauth/token', 'grant_type=client_credentials', { Authorization: header }),
        401,
        'invalid_client',
      );
    });

    it.each([
      ['no scheme', 'abc'],
      ['an empty Bearer', 'Bearer'],
      ['Bearer with spaces', 'Bearer a b c'],
      ['Basic on a protected route', basicAuth('a', 'b')],
      ['a non-JWT', 'Bearer not-a-jwt'],
      ['three empty parts', 'Bearer ..'],
      ['a huge token', `Bearer ${'a'.repeat(20_000)}`],
    ])('/protected with %s: 401', async (_name, header) => {
      await expectRefusal(bearer(header), 401);
    });
  });

  describe('tokens', () => {
    it('a tampered payload: 401 invalid_token', async () => {
      const [h, , s] = valid.access_token.split('.');
      const claims = {
        ...decodeJwt(valid.access_token),
        scopes: ['read', 'admin'],
        role: 'admin',
        scope: 'read admin',
      };
      const forged = `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
      await expectRefusal(bearer(`Bearer ${forged}`), 401, 'invalid_token');
      await expectRefusal(
        { ...bearer(`Bearer ${forged}`), url: '/admin-only' },
        401,
        'invalid_token',
      );
    });

    it('alg none: 401 invalid_token', async () => {
      const claims = decodeJwt(valid.access_token);
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
      const none = `${header}.${base64url.encode(JSON.stringify(claims))}.`;
      await expectRefusal(bearer(`Bearer ${none}`), 401, 'invalid_token');
    });

    it('HS256 signed with a guessed secret while the server signs ES256: 401', async () => {
      const claims = decodeJwt(valid.access_token);
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(new TextEncoder().encode('your-super-secret-key-here'));
      await expectRefusal(bearer(`Bearer ${forged}`), 401, 'invalid_token');
    });

    it('an expired token: 401 invalid_token', async () => {
      const clock = t.app.get(TokensClock);
      const spy = jest.spyOn(clock, 'now').mockReturnValue(Date.now() - 3_600_000);
      const expired = await t.app.get(AccessTokenService).issue({
        clientId: c.clientId,
        scopes: ['read'],
        role: 'user',
        audience: [],
        ttlSeconds: 60,
      });
      spy.mockRestore();
      await expectRefusal(bearer(`Bearer ${expired.token}`), 401, 'invalid_token');
    });

    it('a refresh token presented as a bearer token, and an access token presented as a refresh token', async () => {
      await expectRefusal(bearer(`Bearer ${valid.refresh_token}`), 401, 'invalid_token');
      const before = await collectionCounts(t.db, WRITES_ALLOWED);
      const res = await t.app.inject(
        json('/refresh', JSON.stringify({ refresh_token: valid.access_token })),
      );
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_grant');
      expect(await collectionCounts(t.db, WRITES_ALLOWED)).toEqual(before);
    });
  });
});
