import { SignJWT } from 'jose';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import {
  createAdminClient,
  createClient,
  type TestClient,
} from '../support/factories/client.factory';
import { dpopKey, type DpopKey, type ProofOptions } from '../support/dpop';
import { dpopDenied, startDpopApp, type dpopRequests } from '../support/dpop-requests';
import type { HttpTestApp } from '../support/http-app';

/**
 * DPoP (RFC 9449) at the token endpoint over the real app and database, with proofs built by hand
 * so each field can be wrong: bindings, 400 refusals with exact bodies, nonces, audit entries.
 */
describe('DPoP at the token endpoint', () => {
  let t: HttpTestApp;
  let c: TestClient;
  let key: DpopKey;
  let r: ReturnType<typeof dpopRequests>;

  beforeAll(async () => {
    ({ t, c, key, r } = await startDpopApp({ scopes: ['read'], refreshTokens: true }));
  });
  afterAll(() => t?.close());

  describe('token endpoint', () => {
    it('binds the token to the proof key and audits the binding', async () => {
      const res = await r.tokenRequest(await r.tokenProof());
      expect(res.statusCode).toBe(200);
      const body = res.json<{ token_type: string; access_token: string }>();
      expect(body.token_type).toBe('DPoP');
      const payload = JSON.parse(
        Buffer.from(body.access_token.split('.')[1], 'base64url').toString(),
      ) as { cnf: unknown; jti: string };
      expect(payload.cnf).toEqual({ jkt: key.jkt });
      await t.app.get(AuditWriter).flush();
      const entries = await t.db
        .collection('audit_logs')
        .find({ 'details.jti': payload.jti })
        .toArray();
      // One entry for the request: a client_credentials grant is a login_success.
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ event_type: 'login_success' });
      expect(entries[0].details).toMatchObject({ jkt: key.jkt, grant_type: 'client_credentials' });
    });

    it('refuses a replayed proof, and audits it as token_denied with the reason', async () => {
      const proof = await r.tokenProof();
      expect((await r.tokenRequest(proof)).statusCode).toBe(200);
      const replay = await r.tokenRequest(proof);
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual(dpopDenied('DPoP proof has already been used'));
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
      [
        'an exp in the past',
        { claims: { exp: Math.floor(Date.now() / 1000) - 120 } },
        'DPoP proof has expired',
      ],
    ])('refuses %s with 400 invalid_dpop_proof', async (_name, options, description) => {
      const o = typeof options === 'function' ? options() : options;
      const res = await r.tokenRequest(await r.tokenProof(key, o));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(dpopDenied(description));
    });

    it('accepts an htu with a query (compared without it) and refuses a proof signed by another key', async () => {
      expect(
        (await r.tokenRequest(await r.tokenProof(key, { htu: `${r.tokenUrl()}?a=b` }))).statusCode,
      ).toBe(200);
      const other = await dpopKey();
      // Signed by `other`, but claiming `key`'s public key.
      const res = await r.tokenRequest(await r.tokenProof(other, { jwk: key.jwk }));
      expect(res.json()).toEqual(dpopDenied('DPoP proof signature is invalid'));
      expect((await r.tokenRequest('not.a.jwt')).json()).toEqual(
        dpopDenied('DPoP proof header is not JSON'),
      );
    });

    it.each(['RS256', 'PS256'] as const)('accepts a %s proof', async (alg) => {
      const rsa = await dpopKey(alg);
      const res = await r.tokenRequest(await r.tokenProof(rsa, { alg }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'DPoP' });
    });

    it('refuses a symmetric algorithm, a key of the wrong type and two DPoP headers', async () => {
      const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long');
      const hs = await new SignJWT({ jti: 'hs', htm: 'POST', htu: r.tokenUrl() })
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
        .setIssuedAt()
        .sign(secret);
      expect((await r.tokenRequest(hs)).json()).toEqual(
        dpopDenied('DPoP proof algorithm is not accepted'),
      );
      const rsa = await dpopKey('RS256');
      expect(
        (await r.tokenRequest(await r.tokenProof(rsa, { alg: 'RS256', jwk: key.jwk }))).json(),
      ).toEqual(dpopDenied('DPoP proof jwk does not fit its algorithm'));
      const two = await r.tokenRequest([await r.tokenProof(), await r.tokenProof()]);
      expect(two.json()).toEqual(dpopDenied('more than one DPoP proof'));
    });

    it('requires a proof from a DPoP-required client', async () => {
      const strict = await createClient(t.app, { scopes: ['read'], dpopBoundAccessTokens: true });
      const res = await r.tokenRequest(undefined, 'grant_type=client_credentials', strict);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(dpopDenied('this client requires a DPoP proof'));
      expect((await r.tokenRequest(await r.tokenProof(), undefined, strict)).statusCode).toBe(200);
    });

    it('the admin API registers and changes the DPoP settings of a client', async () => {
      const admin = await createAdminClient(t.app);
      const adminToken = (
        await r.tokenRequest(undefined, 'grant_type=client_credentials', admin)
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
      const first = await r.tokenRequest(await r.tokenProof(), undefined, strict);
      expect(first.statusCode).toBe(400);
      expect(first.json()).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'DPoP proof has no nonce',
      });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toEqual(expect.any(String));
      const bogus = await r.tokenRequest(
        await r.tokenProof(key, { nonce: 'x.y' }),
        undefined,
        strict,
      );
      expect(bogus.json()).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'DPoP nonce is stale or invalid',
      });
      const retry = await r.tokenRequest(await r.tokenProof(key, { nonce }), undefined, strict);
      expect(retry.statusCode).toBe(200);
    });

    it('binds refresh tokens: a refresh needs a proof of the same key, and a refused one burns nothing', async () => {
      const { refresh_token } = await r.boundToken();
      const refresh = (proof?: string) =>
        r.tokenRequest(proof, `grant_type=refresh_token&refresh_token=${refresh_token}`);
      const without = await refresh();
      expect(without.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token is DPoP-bound and the request has no DPoP proof',
      });
      const other = await refresh(await r.tokenProof(await dpopKey()));
      expect(other.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token is bound to another DPoP key',
      });
      const same = await refresh(await r.tokenProof());
      expect(same.statusCode).toBe(200);
      expect(same.json()).toMatchObject({ token_type: 'DPoP' });
    });
  });
});
