import { SignJWT } from 'jose';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import {
  createAdminClient,
  createClient,
  type TestClient,
} from '../support/factories/client.factory';
import { dpopKey, dpopProof, type DpopKey, type ProofOptions } from '../support/dpop';
import { startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * DPoP (RFC 9449) refusals over the real app and database, with proofs built by hand so each
 * field can be wrong: the token endpoint's 400s and the protected routes' 401 challenges.
 */
describe('DPoP: proof validation, binding and refusals', () => {
  let t: HttpTestApp;
  let c: TestClient;
  let key: DpopKey;
  const algs = 'algs="ES256 RS256 PS256"';

  beforeAll(async () => {
    t = await startHttpTestApp();
    c = await createClient(t.app, { scopes: ['read'], refreshTokens: true });
    key = await dpopKey();
  });
  afterAll(() => t?.close());

  const tokenUrl = () => `${t.issuer}/oauth/token`;
  const basic = (x: TestClient) =>
    `Basic ${Buffer.from(`${x.clientId}:${x.secret}`).toString('base64')}`;
  const tokenRequest = (
    proof: string | undefined,
    body = 'grant_type=client_credentials',
    who = c,
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basic(who),
        'content-type': 'application/x-www-form-urlencoded',
        ...(proof !== undefined && { dpop: proof }),
      },
      payload: body,
    });
  const tokenProof = (k = key, o: Partial<ProofOptions> = {}) =>
    dpopProof(k, { htm: 'POST', htu: tokenUrl(), ...o });
  const boundToken = async (k = key) => {
    const res = await tokenRequest(await tokenProof(k));
    expect(res.statusCode).toBe(200);
    return res.json<{ access_token: string; refresh_token: string; token_type: string }>();
  };
  const protectedGet = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/protected', headers });
  const resourceProof = (token: string, k = key, o: Partial<ProofOptions> = {}) =>
    dpopProof(k, { htm: 'GET', htu: `${t.issuer}/protected`, accessToken: token, ...o });
  const denied = (description: string) => ({
    error: 'invalid_dpop_proof',
    error_description: description,
  });
  const challenge = (error: string, description: string) =>
    `DPoP error="${error}", error_description="${description}", ${algs}`;

  describe('token endpoint', () => {
    it('binds the token to the proof key and audits the binding', async () => {
      const res = await tokenRequest(await tokenProof());
      expect(res.statusCode).toBe(200);
      const body = res.json<{ token_type: string; access_token: string }>();
      expect(body.token_type).toBe('DPoP');
      const payload = JSON.parse(
        Buffer.from(body.access_token.split('.')[1], 'base64url').toString(),
      ) as { cnf: unknown; jti: string };
      expect(payload.cnf).toEqual({ jkt: key.jkt });
      await t.app.get(AuditWriter).flush();
      const entry = await t.db
        .collection('audit_logs')
        .findOne({ event_type: 'token_issued', 'details.jti': payload.jti });
      expect(entry?.details).toMatchObject({ jkt: key.jkt, grant_type: 'client_credentials' });
    });

    it('refuses a replayed proof, and audits it as token_denied with the reason', async () => {
      const proof = await tokenProof();
      expect((await tokenRequest(proof)).statusCode).toBe(200);
      const replay = await tokenRequest(proof);
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual(denied('DPoP proof has already been used'));
      await t.app.get(AuditWriter).flush();
      const entry = await t.db.collection('audit_logs').findOne({
        event_type: 'token_denied',
        client_id: c.clientId,
        reason: 'DPoP proof has already been used',
      });
      expect(entry?.details).toMatchObject({ code: 'invalid_dpop_proof' });
    });

    it.each<[string, Partial<ProofOptions> | (() => Partial<ProofOptions>), string]>([
      [
        'a wrong htu',
        { htu: 'http://127.0.0.1:8000/oauth/introspect' },
        'DPoP proof htu does not match the request URL',
      ],
      [
        'another host in htu',
        { htu: 'https://evil.example/oauth/token' },
        'DPoP proof htu does not match the request URL',
      ],
      ['a wrong htm', { htm: 'GET' }, 'DPoP proof htm does not match the request method'],
      ['a wrong typ', { typ: 'JWT' }, 'DPoP proof typ is not dpop+jwt'],
      ['an iat too old', { iat: Math.floor(Date.now() / 1000) - 600 }, 'DPoP proof is too old'],
      [
        'an iat in the future',
        { iat: Math.floor(Date.now() / 1000) + 600 },
        'DPoP proof was issued in the future',
      ],
      [
        'a jwk with private members',
        () => ({ jwk: { ...key.jwk, d: 'AAAA' } }),
        'DPoP proof jwk is not a public key',
      ],
      ['no jti', { jti: '' }, 'DPoP proof has no valid jti'],
    ])('refuses %s with 400 invalid_dpop_proof', async (_name, options, description) => {
      const o = typeof options === 'function' ? options() : options;
      const res = await tokenRequest(await tokenProof(key, o));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(denied(description));
    });

    it('accepts an htu with a query (compared without it) and refuses a proof signed by another key', async () => {
      expect(
        (await tokenRequest(await tokenProof(key, { htu: `${tokenUrl()}?a=b` }))).statusCode,
      ).toBe(200);
      const other = await dpopKey();
      // Signed by `other`, but claiming `key`'s public key.
      const res = await tokenRequest(await tokenProof(other, { jwk: key.jwk }));
      expect(res.json()).toEqual(denied('DPoP proof signature is invalid'));
      expect((await tokenRequest('not.a.jwt')).json()).toEqual(
        denied('DPoP proof header is not JSON'),
      );
    });

    it.each(['RS256', 'PS256'] as const)('accepts a %s proof', async (alg) => {
      const rsa = await dpopKey(alg);
      const res = await tokenRequest(await tokenProof(rsa, { alg }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'DPoP' });
    });

    it('refuses a symmetric algorithm, a key of the wrong type and two DPoP headers', async () => {
      const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long');
      const hs = await new SignJWT({ jti: 'hs', htm: 'POST', htu: tokenUrl() })
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
        .setIssuedAt()
        .sign(secret);
      expect((await tokenRequest(hs)).json()).toEqual(
        denied('DPoP proof algorithm is not accepted'),
      );
      const rsa = await dpopKey('RS256');
      expect(
        (await tokenRequest(await tokenProof(rsa, { alg: 'RS256', jwk: key.jwk }))).json(),
      ).toEqual(denied('DPoP proof jwk does not fit its algorithm'));
      const two = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: {
          authorization: basic(c),
          'content-type': 'application/x-www-form-urlencoded',
          dpop: [await tokenProof(), await tokenProof()],
        },
        payload: 'grant_type=client_credentials',
      });
      expect(two.json()).toEqual(denied('more than one DPoP proof'));
    });

    it('requires a proof from a DPoP-required client', async () => {
      const strict = await createClient(t.app, { scopes: ['read'], dpopBoundAccessTokens: true });
      const res = await tokenRequest(undefined, 'grant_type=client_credentials', strict);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(denied('this client requires a DPoP proof'));
      expect((await tokenRequest(await tokenProof(), undefined, strict)).statusCode).toBe(200);
    });

    it('the admin API registers and changes the DPoP settings of a client', async () => {
      const admin = await createAdminClient(t.app);
      const adminToken = (
        await tokenRequest(undefined, 'grant_type=client_credentials', admin)
      ).json<{ access_token: string }>().access_token;
      const call = (method: 'POST' | 'PATCH', url: string, payload: object) =>
        t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${adminToken}` },
          payload,
        });
      const created = await call('POST', '/admin/clients', {
        scopes: ['read'],
        role: 'user',
        dpop_bound_access_tokens: true,
      });
      expect(created.statusCode).toBe(201);
      const body = created.json<{ client_id: string; dpop_bound_access_tokens: boolean }>();
      expect(body).toMatchObject({ dpop_bound_access_tokens: true, dpop_nonce_required: false });
      const patched = await call('PATCH', `/admin/clients/${body.client_id}`, {
        dpop_bound_access_tokens: false,
        dpop_nonce_required: true,
      });
      expect(patched.json()).toMatchObject({
        dpop_bound_access_tokens: false,
        dpop_nonce_required: true,
      });
      const invalid = await call('PATCH', `/admin/clients/${body.client_id}`, {
        dpop_bound_access_tokens: 'yes',
      });
      expect(invalid.statusCode).toBe(400);
    });

    it('nonce-required flow: use_dpop_nonce with a DPoP-Nonce header, then the retry succeeds', async () => {
      const strict = await createClient(t.app, { scopes: ['read'], dpopNonceRequired: true });
      const first = await tokenRequest(await tokenProof(), undefined, strict);
      expect(first.statusCode).toBe(400);
      expect(first.json()).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'DPoP proof has no nonce',
      });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toEqual(expect.any(String));
      const bogus = await tokenRequest(await tokenProof(key, { nonce: 'x.y' }), undefined, strict);
      expect(bogus.json()).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'DPoP nonce is stale or invalid',
      });
      const retry = await tokenRequest(await tokenProof(key, { nonce }), undefined, strict);
      expect(retry.statusCode).toBe(200);
    });

    it('binds refresh tokens: a refresh needs a proof of the same key, and a refused one burns nothing', async () => {
      const { refresh_token } = await boundToken();
      const refresh = (proof?: string) =>
        tokenRequest(proof, `grant_type=refresh_token&refresh_token=${refresh_token}`);
      const without = await refresh();
      expect(without.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token is DPoP-bound and the request has no DPoP proof',
      });
      const other = await refresh(await tokenProof(await dpopKey()));
      expect(other.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token is bound to another DPoP key',
      });
      const same = await refresh(await tokenProof());
      expect(same.statusCode).toBe(200);
      expect(same.json()).toMatchObject({ token_type: 'DPoP' });
    });
  });

  describe('protected routes', () => {
    it('accepts Authorization: DPoP with a matching proof, twice (the second from the cache)', async () => {
      const { access_token } = await boundToken();
      for (let i = 0; i < 2; i++) {
        const res = await protectedGet({
          authorization: `DPoP ${access_token}`,
          dpop: await resourceProof(access_token),
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ client_id: c.clientId });
      }
    });

    it('refuses a token bound to another key', async () => {
      const { access_token } = await boundToken(await dpopKey());
      const res = await protectedGet({
        authorization: `DPoP ${access_token}`,
        dpop: await resourceProof(access_token, key),
      });
      expect(res.statusCode).toBe(401);
      const description = 'DPoP proof key does not match the token binding';
      expect(res.json()).toEqual(denied(description));
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_dpop_proof', description));
    });

    it('refuses a bound token presented as Bearer, verified fresh or from the cache', async () => {
      const fresh = (await boundToken()).access_token;
      const cached = (await boundToken()).access_token;
      await protectedGet({
        authorization: `DPoP ${cached}`,
        dpop: await resourceProof(cached),
      });
      const description = 'DPoP-bound token must be presented with the DPoP scheme';
      for (const token of [fresh, cached]) {
        const res = await protectedGet({ authorization: `Bearer ${token}` });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: 'invalid_token', error_description: description });
        expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', description));
      }
    });

    it.each<[string, (token: string) => Promise<Record<string, string>>, string]>([
      ['a missing proof', () => Promise.resolve({}), 'DPoP proof is missing'],
      [
        'a missing ath',
        async () => ({ dpop: await dpopProof(key, { htm: 'GET', htu: `${t.issuer}/protected` }) }),
        'DPoP proof has no ath',
      ],
      [
        'an incorrect ath',
        async () => ({ dpop: await resourceProof('another-token') }),
        'DPoP proof ath does not match the access token',
      ],
      [
        'a wrong htm',
        async (token) => ({ dpop: await resourceProof(token, key, { htm: 'POST' }) }),
        'DPoP proof htm does not match the request method',
      ],
      [
        'a wrong htu',
        async (token) => ({
          dpop: await resourceProof(token, key, { htu: `${t.issuer}/admin-only` }),
        }),
        'DPoP proof htu does not match the request URL',
      ],
    ])('refuses %s with 401 invalid_dpop_proof', async (_name, extra, description) => {
      const { access_token } = await boundToken();
      const res = await protectedGet({
        authorization: `DPoP ${access_token}`,
        ...(await extra(access_token)),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(denied(description));
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_dpop_proof', description));
    });

    it('refuses a replayed resource proof', async () => {
      const { access_token } = await boundToken();
      const headers = {
        authorization: `DPoP ${access_token}`,
        dpop: await resourceProof(access_token),
      };
      expect((await protectedGet(headers)).statusCode).toBe(200);
      const replay = await protectedGet(headers);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual(denied('DPoP proof has already been used'));
    });

    it('refuses an unbound token under the DPoP scheme, and an invalid token with the DPoP challenge', async () => {
      const unbound = (await tokenRequest(undefined)).json<{ access_token: string }>().access_token;
      const res = await protectedGet({
        authorization: `DPoP ${unbound}`,
        dpop: await resourceProof(unbound),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'token is not DPoP-bound',
      });
      expect(res.headers['www-authenticate']).toBe(
        challenge('invalid_token', 'token is not DPoP-bound'),
      );
      const garbage = await protectedGet({ authorization: 'DPoP abc' });
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json()).toEqual({
        error: 'invalid_token',
        error_description: 'token is not a compact JWS',
      });
      // The unbound token keeps working as a bearer token, exactly as before.
      expect((await protectedGet({ authorization: `Bearer ${unbound}` })).statusCode).toBe(200);
    });
  });
});
