import type { TestClient } from '../support/factories/client.factory';
import { dpopKey, dpopProof, type DpopKey } from '../support/dpop';
import {
  dpopChallengeOf,
  dpopDenied,
  startDpopApp,
  type dpopRequests,
} from '../support/dpop-requests';
import type { HttpTestApp } from '../support/http-app';

/**
 * DPoP (RFC 9449) on the protected routes: `Authorization: DPoP` with a proof, and the 401
 * refusals with their exact bodies and RFC 9449 §7.1 challenges.
 */
describe('DPoP on the protected routes', () => {
  let t: HttpTestApp;
  let c: TestClient;
  let key: DpopKey;
  let r: ReturnType<typeof dpopRequests>;

  beforeAll(async () => {
    ({ t, c, key, r } = await startDpopApp({ scopes: ['read'], refreshTokens: true }));
  });
  afterAll(() => t?.close());

  describe('protected routes', () => {
    it('accepts Authorization: DPoP with a matching proof, twice (the second from the cache)', async () => {
      const { access_token } = await r.boundToken();
      for (let i = 0; i < 2; i++) {
        const res = await r.protectedGet({
          authorization: `DPoP ${access_token}`,
          dpop: await r.resourceProof(access_token),
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ client_id: c.clientId });
      }
    });

    it('refuses a token bound to another key', async () => {
      const { access_token } = await r.boundToken(await dpopKey());
      const res = await r.protectedGet({
        authorization: `DPoP ${access_token}`,
        dpop: await r.resourceProof(access_token, key),
      });
      expect(res.statusCode).toBe(401);
      const description = 'DPoP proof key does not match the token binding';
      expect(res.json()).toEqual(dpopDenied(description));
      expect(res.headers['www-authenticate']).toBe(
        dpopChallengeOf('invalid_dpop_proof', description),
      );
    });

    it('refuses a bound token presented as Bearer, verified fresh or from the cache', async () => {
      const fresh = (await r.boundToken()).access_token;
      const cached = (await r.boundToken()).access_token;
      await r.protectedGet({
        authorization: `DPoP ${cached}`,
        dpop: await r.resourceProof(cached),
      });
      const description = 'DPoP-bound token must be presented with the DPoP scheme';
      for (const token of [fresh, cached]) {
        const res = await r.protectedGet({ authorization: `Bearer ${token}` });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: 'invalid_token', error_description: description });
        expect(res.headers['www-authenticate']).toBe(dpopChallengeOf('invalid_token', description));
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
        async () => ({ dpop: await r.resourceProof('another-token') }),
        'DPoP proof ath does not match the access token',
      ],
      [
        'a wrong htm',
        async (token) => ({ dpop: await r.resourceProof(token, key, { htm: 'POST' }) }),
        'DPoP proof htm does not match the request method',
      ],
      [
        'a wrong htu',
        async (token) => ({
          dpop: await r.resourceProof(token, key, { htu: `${t.issuer}/admin-only` }),
        }),
        'DPoP proof htu does not match the request URL',
      ],
    ])('refuses %s with 401 invalid_dpop_proof', async (_name, extra, description) => {
      const { access_token } = await r.boundToken();
      const res = await r.protectedGet({
        authorization: `DPoP ${access_token}`,
        ...(await extra(access_token)),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(dpopDenied(description));
      expect(res.headers['www-authenticate']).toBe(
        dpopChallengeOf('invalid_dpop_proof', description),
      );
    });

    it('refuses a replayed resource proof', async () => {
      const { access_token } = await r.boundToken();
      const headers = {
        authorization: `DPoP ${access_token}`,
        dpop: await r.resourceProof(access_token),
      };
      expect((await r.protectedGet(headers)).statusCode).toBe(200);
      const replay = await r.protectedGet(headers);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual(dpopDenied('DPoP proof has already been used'));
    });

    it('refuses an unbound token under the DPoP scheme, and an invalid token with the DPoP challenge', async () => {
      const unbound = (await r.tokenRequest(undefined)).json<{ access_token: string }>()
        .access_token;
      const res = await r.protectedGet({
        authorization: `DPoP ${unbound}`,
        dpop: await r.resourceProof(unbound),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'token is not DPoP-bound',
      });
      expect(res.headers['www-authenticate']).toBe(
        dpopChallengeOf('invalid_token', 'token is not DPoP-bound'),
      );
      const garbage = await r.protectedGet({ authorization: 'DPoP abc' });
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json()).toEqual({
        error: 'invalid_token',
        error_description: 'token is not a compact JWS',
      });
      // The unbound token keeps working as a bearer token, exactly as before.
      expect((await r.protectedGet({ authorization: `Bearer ${unbound}` })).statusCode).toBe(200);
    });
  });
});
