import {
  startTwoInstances,
  stopInstances,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import { InvalidGrantError } from '../../../src/common/errors/oauth-errors';
import type { RefreshGrant, RefreshTokenRequest } from '../../../src/tokens/tokens.types';

/**
 * The interleavings of a rotation (instance A) with a reuse detection or a client-wide
 * revocation (instance B) forced one by one, on one shared database: whichever order the steps
 * take, nothing minted in the family survives.
 */
describe('refresh rotation racing a revocation on another instance', () => {
  let db: TokensDb;
  let a: TokenServices;
  let b: TokenServices;

  beforeAll(async () => {
    ({ db, a, b } = await startTwoInstances('refresh_rotation_race_spec'));
  });
  afterAll(() => stopInstances(db, a, b));

  const rotationOf = async (grant: RefreshGrant): Promise<RefreshTokenRequest> => {
    const access = await a.accessTokens.issue({
      clientId: grant.clientId,
      scopes: grant.scopes,
      role: 'user',
      audience: [],
    });
    return {
      clientId: grant.clientId,
      scopes: grant.scopes,
      role: 'user',
      audience: [],
      rotation: { familyId: grant.familyId, parentIssuedAtMs: grant.issuedAtMs },
      accessJti: access.jti,
      accessExp: access.exp,
    };
  };

  const newFamily = async (clientId: string) => {
    const access = await a.accessTokens.issue({
      clientId,
      scopes: ['read'],
      role: 'user',
      audience: [],
    });
    return a.refreshTokens.issue({
      clientId,
      scopes: ['read'],
      role: 'user',
      audience: [],
      accessJti: access.jti,
      accessExp: access.exp,
    });
  };

  const description = async (p: Promise<unknown>): Promise<string> => {
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGrantError);
    return (err as InvalidGrantError).description;
  };

  it('reuse detected between the claim and the new token: the rotation refuses and revokes what it minted', async () => {
    const t1 = await newFamily('race-1');
    const grant = await a.refreshTokens.consume(t1, { clientId: 'race-1' }, {});
    // B sees the used token and revokes the family before A has stored its new token.
    expect(await description(b.refreshTokens.consume(t1, { clientId: 'race-1' }, {}))).toBe(
      'refresh token has already been used',
    );
    const next = await rotationOf(grant);
    expect(await description(a.refreshTokens.issue(next))).toBe('refresh token has been revoked');
    expect(a.revocation.isRevoked(next.accessJti)).toBe(true);
    await b.revocation.poll();
    expect(b.revocation.isRevoked(next.accessJti)).toBe(true);
    expect(
      await db.models.refresh.countDocuments({ family_id: grant.familyId, revoked_at: null }),
    ).toBe(0);
  });

  it('reuse detected after the rotation completed: the sweep catches the new tokens', async () => {
    const t1 = await newFamily('race-2');
    const grant = await a.refreshTokens.consume(t1, { clientId: 'race-2' }, {});
    const next = await rotationOf(grant);
    const t2 = await a.refreshTokens.issue(next);
    expect(await description(b.refreshTokens.consume(t1, { clientId: 'race-2' }, {}))).toBe(
      'refresh token has already been used',
    );
    expect(await description(a.refreshTokens.consume(t2, { clientId: 'race-2' }, {}))).toBe(
      'refresh token has been revoked',
    );
    await a.revocation.poll();
    expect(a.revocation.isRevoked(next.accessJti)).toBe(true);
  });

  it('a client-wide revocation between the claim and the new token also covers the rotation', async () => {
    const t1 = await newFamily('race-3');
    const grant = await a.refreshTokens.consume(t1, { clientId: 'race-3' }, {});
    a.clock.advance(5);
    await b.revocation.revokeAllForClient('race-3');
    const next = await rotationOf(grant);
    expect(await description(a.refreshTokens.issue(next))).toBe('refresh token has been revoked');
    expect(a.revocation.isRevoked(next.accessJti)).toBe(true);
  });

  it('an unrelated family of the same client rotates normally', async () => {
    const t1 = await newFamily('race-4');
    const grant = await a.refreshTokens.consume(t1, { clientId: 'race-4' }, {});
    const t2 = await a.refreshTokens.issue(await rotationOf(grant));
    await expect(a.refreshTokens.consume(t2, { clientId: 'race-4' }, {})).resolves.toMatchObject({
      familyId: grant.familyId,
    });
  });
});
