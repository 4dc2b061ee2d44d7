import { ClientAuthFailure } from '../../../src/clients/client-auth-failure';
import { IssuerKeys } from '../../../src/clients/issuer-keys.service';
import type { AppConfig } from '../../../src/config/app-config.service';
import { WorkloadIssuer } from '../../support/workload-issuer';

/** The issuer key cache against a real local issuer: refetch bounds, Cache-Control, fail-closed. */
describe('IssuerKeys', () => {
  let issuer: WorkloadIssuer;
  const keysWith = (federation: Partial<AppConfig['federation']>) =>
    new IssuerKeys({
      nodeEnv: 'test',
      federation: {
        fetchTimeoutMs: 1_000,
        fetchMaxBytes: 65_536,
        minCacheSeconds: 1,
        maxCacheSeconds: 3_600,
        refreshIntervalSeconds: 60,
        ...federation,
      },
    } as AppConfig);

  beforeEach(async () => {
    issuer = await WorkloadIssuer.start('kubernetes');
  });
  afterEach(() => issuer.close());

  it('an unknown kid refetches at most once per interval', async () => {
    const keys = keysWith({ refreshIntervalSeconds: 60 });
    const { kid } = issuer.currentKey;
    expect(await keys.candidates({ issuer: issuer.issuer }, kid, 'ES256')).toHaveLength(1);
    expect(issuer.fetches).toEqual({ discovery: 1, jwks: 1 });
    await issuer.rotate();
    // Within the interval: the new kid is not fetched, however often it is asked for.
    for (let i = 0; i < 3; i++) {
      expect(
        await keys.candidates({ issuer: issuer.issuer }, issuer.currentKey.kid, 'ES256'),
      ).toEqual([]);
    }
    expect(issuer.fetches.jwks).toBe(1);
  });

  it('concurrent requests for one issuer share one fetch', async () => {
    const keys = keysWith({});
    const { kid } = issuer.currentKey;
    await Promise.all(
      Array.from({ length: 10 }, () => keys.candidates({ issuer: issuer.issuer }, kid, 'ES256')),
    );
    expect(issuer.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  it('the algorithm is pinned to the key type: an EC key never verifies RS256', async () => {
    const keys = keysWith({});
    expect(
      await keys.candidates({ issuer: issuer.issuer }, issuer.currentKey.kid, 'RS256'),
    ).toEqual([]);
  });

  it('Cache-Control max-age is honoured within the bounds; past it a down issuer fails closed', async () => {
    issuer.maxAgeSeconds = 3_600;
    const keys = keysWith({ maxCacheSeconds: 1 });
    const { kid } = issuer.currentKey;
    await keys.candidates({ issuer: issuer.issuer, jwksUri: issuer.jwksUri }, kid, 'ES256');
    issuer.down = true;
    expect(
      await keys.candidates({ issuer: issuer.issuer, jwksUri: issuer.jwksUri }, kid, 'ES256'),
    ).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const refused = await keys
      .candidates({ issuer: issuer.issuer, jwksUri: issuer.jwksUri }, kid, 'ES256')
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ClientAuthFailure);
    expect((refused as ClientAuthFailure).reason).toBe(
      `keys of issuer ${issuer.issuer} unavailable: ${issuer.jwksUri} answered HTTP 503`,
    );
    expect(issuer.fetches.discovery).toBe(0);
  });

  it('a discovery document naming another issuer is refused', async () => {
    const keys = keysWith({});
    // Same document URL (the trailing slash is dropped to build it), but not the same issuer string.
    const claimed = `${issuer.issuer}/`;
    const refused = await keys
      .candidates({ issuer: claimed }, issuer.currentKey.kid, 'ES256')
      .catch((err: unknown) => err);
    expect((refused as ClientAuthFailure).reason).toBe(
      `keys of issuer ${claimed} unavailable: ${issuer.issuer}/.well-known/openid-configuration names another issuer`,
    );
  });
});
