import type { TestClient } from '../support/factories/client.factory';
import { dpopKey, type DpopKey } from '../support/dpop';
import { startDpopApp, type dpopRequests } from '../support/dpop-requests';
import type { HttpTestApp } from '../support/http-app';
import { introspect as introspectWith } from '../support/refresh-race';

interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
}

/**
 * The grace period and DPoP together: a retry of a DPoP-bound refresh token is the client's own
 * only when it proves the same key. Then it gets the same pair, still `token_type: DPoP`; a retry
 * without the key is reuse, and the family (the winner's new pair included) is revoked.
 */
describe('graceful refresh rotation of DPoP-bound refresh tokens', () => {
  let t: HttpTestApp;
  let c: TestClient;
  let key: DpopKey;
  let r: ReturnType<typeof dpopRequests>;

  beforeAll(async () => {
    ({ t, c, key, r } = await startDpopApp({ refreshTokens: true, refreshGraceSeconds: 30 }));
  });
  afterAll(() => t?.close());

  const refresh = async (token: string, k: DpopKey | null) =>
    r.tokenRequest(
      k ? await r.tokenProof(k) : undefined,
      `grant_type=refresh_token&refresh_token=${token}`,
    );
  const introspect = (token: string) => introspectWith(t.app, c, token);

  it('a retry proving the same key gets the same bound pair', async () => {
    const family = await r.boundToken();
    const first = await refresh(family.refresh_token, key);
    expect(first.statusCode).toBe(200);
    const retry = await refresh(family.refresh_token, key);
    expect(retry.statusCode).toBe(200);
    const [a, b] = [first.json<Pair>(), retry.json<Pair>()];
    expect(b.access_token).toBe(a.access_token);
    expect(b.refresh_token).toBe(a.refresh_token);
    expect(b.token_type).toBe('DPoP');
  });

  it.each([
    ['without a proof', null],
    ['with another key', 'other'],
  ])('a retry %s is reuse: the family is revoked', async (_name, which) => {
    const family = await r.boundToken();
    const first = await refresh(family.refresh_token, key);
    expect(first.statusCode).toBe(200);
    const won = first.json<Pair>();
    const retry = await refresh(family.refresh_token, which ? await dpopKey() : null);
    expect(retry.statusCode).toBe(400);
    expect(retry.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token has already been used',
    });
    const introspected = await introspect(won.refresh_token);
    expect(introspected.json()).toEqual({ active: false });
  });
});
