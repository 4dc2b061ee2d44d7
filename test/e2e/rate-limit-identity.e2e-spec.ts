import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import { RuntimeConfigService } from '../../src/config/runtime-config.service';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { basicAuth, form, type HttpTestApp } from '../support/http-app';
import { startRateLimitedPair, type RateLimitedPair } from '../support/rate-limit-apps';

/**
 * The rate-limit bucket is the client a request is authenticated as, whatever else it carries,
 * and failed authentications also count against the source address. Each case comes from its
 * own address (light-my-request's remoteAddress) so that the counters do not mix.
 */
describe('rate limiting the identity being verified', () => {
  const LIMIT = 5;
  const FAILED_AUTH_ALLOWANCE = 20;
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  let pair: RateLimitedPair;
  let db: Db;
  let a: HttpTestApp;
  let b: HttpTestApp;
  let lastOctet = 10;
  const nextAddress = (): string => `198.51.100.${lastOctet++}`;
  const random = (): string => randomBytes(6).toString('hex');
  const bogusJwt = (): string =>
    `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ client_id: random(), sub: random() })).toString('base64url')}.x`;

  const post = (
    t: HttpTestApp,
    ip: string,
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url,
      remoteAddress: ip,
      headers: { ...FORM, ...headers },
      payload: form(fields),
    });

  const rateLimited = {
    error: 'rate_limit_exceeded',
    error_description: `Rate limit exceeded: at most ${LIMIT} requests per minute; retry after 59 s`,
  };

  beforeAll(async () => {
    pair = await startRateLimitedPair(LIMIT, {
      MAX_FAILED_AUTH_PER_IP_PER_MINUTE: String(FAILED_AUTH_ALLOWANCE),
    });
    ({ db, a, b } = pair);
  });

  afterAll(() => pair?.close());

  /** Spends the client's real bucket with wrong guesses: 401 each, as before. */
  async function exhaust(ip: string, guess: () => ReturnType<typeof post>): Promise<void> {
    for (let i = 0; i < LIMIT; i++) {
      const res = await guess();
      expect({ ip, status: res.statusCode, error: res.json().error }).toEqual({
        ip,
        status: 401,
        error: 'invalid_client',
      });
    }
  }

  /** The review's 30 guesses after the real bucket was spent: every one must be a 429. */
  async function expectGuessesRateLimited(guess: () => ReturnType<typeof post>, count = 30) {
    for (let i = 0; i < count; i++) {
      const res = await guess();
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status: 429,
        body: rateLimited,
      });
      expect(res.headers['retry-after']).toBe('59');
    }
  }

  describe("the FastAPI service's /token form is bucketed by username", () => {
    let victim: TestClient;
    const ip = nextAddress();
    const login = (password: string, headers: Record<string, string> = {}, extra = {}) =>
      post(a, ip, '/token', { username: victim.clientId, password, ...extra }, headers);

    beforeAll(async () => {
      victim = await createClient(a.app);
      await exhaust(ip, () => login('wrong'));
    });

    it('a bogus Authorization: Basic header does not open a fresh bucket', async () => {
      await expectGuessesRateLimited(() =>
        login(random(), { authorization: basicAuth(random(), 'x') }),
      );
    });

    it('an extra random client_id field does not open a fresh bucket', async () => {
      await expectGuessesRateLimited(() => login(random(), {}, { client_id: random() }));
    });

    it('the right secret is refused too until the window ends', async () => {
      await expectGuessesRateLimited(
        () => login(victim.secret, { authorization: basicAuth('x', 'y') }),
        1,
      );
    });
  });

  describe.each(['/oauth/token', '/oauth/introspect'])(
    '%s with client_secret_post is bucketed by client_id',
    (url) => {
      let victim: TestClient;
      const ip = nextAddress();
      const guess = (secret: string, headers: Record<string, string> = {}) =>
        post(
          a,
          ip,
          url,
          {
            client_id: victim.clientId,
            client_secret: secret,
            ...(url === '/oauth/token' ? { grant_type: 'client_credentials' } : { token: 'x' }),
          },
          headers,
        );

      beforeAll(async () => {
        victim = await createClient(a.app);
        await exhaust(ip, () => guess('wrong'));
      });

      it('a bogus bearer header does not open a fresh bucket', async () => {
        await expectGuessesRateLimited(() =>
          guess(random(), { authorization: `Bearer ${bogusJwt()}` }),
        );
        await expectGuessesRateLimited(() => guess(victim.secret), 1);
      });
    },
  );

  it('buckets a Basic request by the Basic client, not by a form client_id', async () => {
    const victim = await createClient(a.app);
    const ip = nextAddress();
    const guess = (secret: string) =>
      post(
        a,
        ip,
        '/oauth/token',
        { grant_type: 'client_credentials' },
        {
          authorization: basicAuth(victim.clientId, secret),
        },
      );
    await exhaust(ip, () => guess('wrong'));
    await expectGuessesRateLimited(() => guess(victim.secret), 1);
  });

  describe('failed authentications per source address (MAX_FAILED_AUTH_PER_IP_PER_MINUTE)', () => {
    const failedAuthLimited = (retry: number) => ({
      error: 'rate_limit_exceeded',
      error_description: `Rate limit exceeded: at most ${FAILED_AUTH_ALLOWANCE} failed client authentications per minute from this IP; retry after ${retry} s`,
    });
    const guessRandomClient = (t: HttpTestApp, ip: string) =>
      post(
        t,
        ip,
        '/oauth/token',
        { grant_type: 'client_credentials' },
        {
          authorization: basicAuth(random(), random()),
        },
      );

    it('refuses guessing across many client ids from one address, before any secret is checked', async () => {
      const ip = nextAddress();
      const real = await createClient(a.app);
      for (let i = 0; i < FAILED_AUTH_ALLOWANCE; i++) {
        expect((await guessRandomClient(a, ip)).statusCode).toBe(401);
      }
      const refused = await guessRandomClient(a, ip);
      expect({ status: refused.statusCode, body: refused.json() }).toEqual({
        status: 429,
        body: failedAuthLimited(59),
      });
      expect(refused.headers['retry-after']).toBe('59');
      expect(refused.headers['cache-control']).toBe('no-store');

      // The right secret from that address is refused too; from another address it works.
      const right = () => post(a, ip, '/token', { username: real.clientId, password: real.secret });
      expect((await right()).statusCode).toBe(429);
      const elsewhere = await post(a, nextAddress(), '/token', {
        username: real.clientId,
        password: real.secret,
      });
      expect(elsewhere.statusCode).toBe(200);

      await a.app.get(AuditWriter).flush();
      const entries = await db
        .collection('audit_logs')
        .find({ event_type: 'rate_limit_exceeded', ip })
        .toArray();
      expect(entries).toEqual([
        expect.objectContaining({
          event_type: 'rate_limit_exceeded',
          ip,
          reason: `more than ${FAILED_AUTH_ALLOWANCE} failed client authentications per minute from this IP`,
          request_id: refused.headers['x-request-id'],
        }),
        expect.objectContaining({ client_id: real.clientId, request_id: expect.any(String) }),
      ]);
      // The refused request wrote that entry and no other.
      expect(
        await db
          .collection('audit_logs')
          .countDocuments({ request_id: refused.headers['x-request-id'] as string }),
      ).toBe(1);
    });

    it('never verifies more guesses than the allowance, however many arrive at once', async () => {
      const ip = nextAddress();
      const results = await Promise.all(Array.from({ length: 60 }, () => guessRandomClient(a, ip)));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(FAILED_AUTH_ALLOWANCE);
      expect(statuses.filter((s) => s === 429)).toHaveLength(60 - FAILED_AUTH_ALLOWANCE);
    });

    it('counts across instances sharing the database', async () => {
      const ip = nextAddress();
      for (let i = 0; i < FAILED_AUTH_ALLOWANCE; i++) {
        expect((await guessRandomClient(i % 2 === 0 ? a : b, ip)).statusCode).toBe(401);
      }
      // Each instance learns the shared count at its next failure at the latest.
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await guessRandomClient(i % 2 === 0 ? a : b, ip)).statusCode);
      expect(statuses.slice(2)).toEqual([429, 429]);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(2);
    });

    it("does not hold back a legitimate client's parallel requests", async () => {
      const runtime = a.app.get(RuntimeConfigService);
      await runtime.update({ maxRequestsPerMinute: 1_000 });
      try {
        const client = await createClient(a.app);
        const ip = nextAddress();
        const results = await Promise.all(
          Array.from({ length: 3 * FAILED_AUTH_ALLOWANCE }, () =>
            post(
              a,
              ip,
              '/oauth/token',
              { grant_type: 'client_credentials' },
              {
                authorization: basicAuth(client.clientId, client.secret),
              },
            ),
          ),
        );
        expect(results.map((r) => r.statusCode)).toEqual(
          Array.from({ length: 3 * FAILED_AUTH_ALLOWANCE }, () => 200),
        );
      } finally {
        await runtime.update({ maxRequestsPerMinute: LIMIT });
      }
    });
  });
});
