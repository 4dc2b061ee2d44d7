import { createClient, type TestClient } from './factories/client.factory';
import { dpopKey, dpopProof, type DpopKey, type ProofOptions } from './dpop';
import { basicAuth, startHttpTestApp, type HttpTestApp } from './http-app';

/** Requests of the DPoP e2e tests against an in-process app: one client, one default key. */
export function dpopRequests(t: HttpTestApp, c: TestClient, key: DpopKey) {
  const tokenUrl = () => `${t.issuer}/oauth/token`;
  const tokenRequest = (
    proof: string | string[] | undefined,
    body = 'grant_type=client_credentials',
    who = c,
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(who.clientId, who.secret),
        'content-type': 'application/x-www-form-urlencoded',
        ...(proof !== undefined && { dpop: proof }),
      },
      payload: body,
    });
  const tokenProof = (k = key, o: Partial<ProofOptions> = {}) =>
    dpopProof(k, { htm: 'POST', htu: tokenUrl(), ...o });
  const boundToken = async (k = key) => {
    const res = await tokenRequest(await tokenProof(k));
    if (res.statusCode !== 200) throw new Error(`token request failed: ${res.body}`);
    return res.json<{ access_token: string; refresh_token: string; token_type: string }>();
  };
  const protectedGet = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/protected', headers });
  const resourceProof = (token: string, k = key, o: Partial<ProofOptions> = {}) =>
    dpopProof(k, { htm: 'GET', htu: `${t.issuer}/protected`, accessToken: token, ...o });
  return { tokenUrl, tokenRequest, tokenProof, boundToken, protectedGet, resourceProof };
}

/**
 * The common start of the in-process DPoP suites: the app, one client made with `clientOptions`,
 * one default key and the requests bound to them.
 */
export async function startDpopApp(clientOptions: Parameters<typeof createClient>[1]) {
  const t = await startHttpTestApp();
  const c = await createClient(t.app, clientOptions);
  const key = await dpopKey();
  return { t, c, key, r: dpopRequests(t, c, key) };
}

/** The exact RFC 9449 bodies and challenges the tests expect. */
export const dpopDenied = (description: string) => ({
  error: 'invalid_dpop_proof',
  error_description: description,
});
export const dpopChallengeOf = (error: string, description: string) =>
  `DPoP error="${error}", error_description="${description}", algs="ES256 RS256 PS256"`;
