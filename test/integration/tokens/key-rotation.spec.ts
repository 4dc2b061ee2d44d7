import {
  FakeClock,
  startTokensDb,
  tokenServices,
  type TokensDb,
  type TokenServices,
} from '../../support/tokens-harness';
import {
  CLOCK_LEEWAY_SECONDS,
  JWKS_MAX_AGE_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from '../../../src/tokens/tokens.constants';

const DAY = 86_400_000;
const LEAD_MS = (JWKS_MAX_AGE_SECONDS + MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000;

/** Scheduled rotation with several instances (service sets) sharing one key store and one clock. */
describe('scheduled signing-key rotation (KEY_ROTATION_DAYS)', () => {
  let db: TokensDb;
  let clock: FakeClock;
  let instances: TokenServices[];

  const kidOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
  const mint = async (s: TokenServices) =>
    (await s.accessTokens.issue({ clientId: 'c', scopes: ['read'], role: 'user', audience: [] }))
      .token;
  const byStatus = async (s: TokenServices, status: string) =>
    (await s.keys.list()).filter((k) => k.status === status).map((k) => k.kid);
  const published = (s: TokenServices) => s.keys.jwks().keys.map((k) => k.kid as string);
  const eventsOf = (name: string) =>
    instances.flatMap((s) => s.events.named(name).map((p) => p.reason));

  beforeAll(async () => {
    db = await startTokensDb('key_rotation_spec');
  });
  afterAll(async () => {
    await db.stop();
  });
  beforeEach(async () => {
    await db.models.keys.deleteMany({});
    await db.models.leases.deleteMany({});
    clock = new FakeClock();
    instances = [0, 1, 2].map(() => tokenServices(db, { clock, config: { keyRotationDays: 30 } }));
    for (const s of instances) await s.init();
    // Only what the schedule does is looked at, not the first start's keys.
    for (const s of instances) s.events.emitted.length = 0;
  });
  afterEach(() => instances.forEach((s) => s.shutdown()));

  it('does nothing before the period has passed', async () => {
    clock.advance(30 * DAY - 1);
    const results = await Promise.all(instances.map((s) => s.keyRotation.rotateIfDue()));
    expect(results).toEqual([false, false, false]);
    expect(await db.models.keys.countDocuments({})).toBe(2);
  });

  it('three instances checking at once when due: exactly one rotation, one new key', async () => {
    const [oldActive] = await byStatus(instances[0], 'active');
    const [oldNext] = await byStatus(instances[0], 'next');
    clock.advance(30 * DAY);
    const results = await Promise.all(instances.map((s) => s.keyRotation.rotateIfDue()));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await db.models.keys.countDocuments({})).toBe(3);
    expect(await byStatus(instances[0], 'active')).toEqual([oldNext]);
    expect(await byStatus(instances[0], 'retired')).toEqual([oldActive]);
    expect(eventsOf('signing_key.activated')).toEqual(['scheduled rotation']);
    expect(eventsOf('signing_key.retired')).toEqual([
      `superseded by ${oldNext} (scheduled rotation)`,
    ]);
    expect(eventsOf('signing_key.created')).toContain(
      'ES256 key created as next (scheduled rotation)',
    );

    // The same period checked again, by anyone: no second rotation.
    const again = await Promise.all(instances.map((s) => s.keyRotation.rotateIfDue()));
    expect(again).toEqual([false, false, false]);
    expect(await db.models.keys.countDocuments({})).toBe(3);
  });

  it('the next key is in the JWKS at least the lead time before it signs; the old key verifies its tokens until they expire, then leaves the JWKS', async () => {
    const [next] = await byStatus(instances[0], 'next');
    const publishedAt = clock.now();
    expect(published(instances[1])).toContain(next);
    clock.advance(30 * DAY - 60_000);
    const old = await mint(instances[1]);
    expect(kidOf(old)).not.toBe(next);
    clock.advance(60_000);
    expect(await instances[2].keyRotation.rotateIfDue()).toBe(true);

    for (const s of instances) await s.keys.refresh();
    const fresh = await mint(instances[0]);
    expect(kidOf(fresh)).toBe(next);
    expect(clock.now() - publishedAt).toBeGreaterThanOrEqual(LEAD_MS);
    // The token of the retired key still verifies on every instance, and its key is published.
    for (const s of instances) {
      expect((await s.accessTokens.verify(old)).client_id).toBe('c');
      expect(published(s)).toContain(kidOf(old));
    }
    // Once every token it can have signed has expired, it is gone from the JWKS.
    clock.advance((MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000 + 1000);
    await instances[0].keys.refresh();
    expect(published(instances[0])).not.toContain(kidOf(old));
    expect(published(instances[0])).toContain(next);
  });

  it('a next key published late delays the rotation until its lead time has passed', async () => {
    clock.advance(30 * DAY - 1000);
    // The next key is lost (say, removed by hand); the next start publishes a new one now.
    await db.models.keys.deleteMany({ status: 'next' });
    const late = tokenServices(db, { clock, config: { keyRotationDays: 30 } });
    await late.init();
    late.shutdown();
    const [next] = await byStatus(instances[0], 'next');
    clock.advance(1000);
    expect(await instances[0].keyRotation.rotateIfDue()).toBe(false);
    clock.advance(LEAD_MS - 1000 - 1);
    expect(await instances[1].keyRotation.rotateIfDue()).toBe(false);
    clock.advance(1);
    expect(await instances[2].keyRotation.rotateIfDue()).toBe(true);
    expect(await byStatus(instances[0], 'active')).toEqual([next]);
  });

  it('a holder that died mid-rotation leaves a lease another instance takes over once it ran out', async () => {
    const [active] = await byStatus(instances[0], 'active');
    clock.advance(30 * DAY);
    // As if an instance claimed the rotation and died before rotating.
    await db.models.leases.create({
      _id: 'signing_keys',
      from_kid: active,
      state: 'rotating',
      holder: 'dead-instance',
      lease_until: new Date(clock.now() + 60_000),
    });
    expect(await instances[0].keyRotation.rotateIfDue()).toBe(false);
    clock.advance(60_000);
    expect(await instances[1].keyRotation.rotateIfDue()).toBe(true);
    expect(await byStatus(instances[0], 'retired')).toEqual([active]);
  });

  it('stays off with KEY_ROTATION_DAYS=0', async () => {
    const off = tokenServices(db, { clock, config: { keyRotationDays: 0 } });
    await off.init();
    clock.advance(3650 * DAY);
    expect(await off.keyRotation.rotateIfDue()).toBe(false);
    off.shutdown();
  });
});
