import { claimedClientId, rateLimitTracker } from './rate-limit-key';

const basic = (user: string, pass = 'pw') =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const jwt = (claims: object) =>
  `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('rate-limit key', () => {
  it.each([
    ['Basic credentials', { headers: { authorization: basic('svc%3Aa') } }, 'svc:a'],
    [
      'a form client_id',
      { headers: {}, body: { client_id: 'svc-b', client_secret: 'x' } },
      'svc-b',
    ],
    [
      "the seed's form username",
      { headers: {}, body: { username: 'test_client', password: 'x' } },
      'test_client',
    ],
    [
      'a bearer JWT client_id (unverified)',
      { headers: { authorization: `Bearer ${jwt({ client_id: 'svc-c', sub: 'other' })}` } },
      'svc-c',
    ],
    [
      'a bearer JWT sub',
      { headers: { authorization: `Bearer ${jwt({ sub: 'svc-d' })}` } },
      'svc-d',
    ],
  ])('reads the claimed client from %s', (_name, req, expected) => {
    expect(claimedClientId(req)).toBe(expected);
  });

  it.each([
    ['no credentials', { headers: {} }],
    ['a garbage bearer token', { headers: { authorization: 'Bearer not-a-jwt' } }],
    ['a bearer payload that is not JSON', { headers: { authorization: 'Bearer a.!!!.c' } }],
    ['a non-string client_id', { headers: {}, body: { client_id: { $ne: null } } }],
    [
      'an oversized header',
      { headers: { authorization: `Bearer ${jwt({ sub: 'x'.repeat(5_000) })}` } },
    ],
  ])('finds no client in %s', (_name, req) => {
    expect(claimedClientId(req)).toBeUndefined();
  });

  it('bounds the claimed id and encodes it so a crafted id cannot collide with another key', () => {
    expect(claimedClientId({ headers: {}, body: { client_id: 'y'.repeat(1_000) } })).toHaveLength(
      128,
    );
    expect(rateLimitTracker({ ip: '::1', headers: {}, body: { client_id: 'a:b' } })).toBe(
      'a%3Ab:::1',
    );
    expect(rateLimitTracker({ ip: '10.0.0.1', headers: {} })).toBe('-:10.0.0.1');
  });

  it('keys an id holding a lone surrogate instead of throwing', () => {
    expect(rateLimitTracker({ ip: '10.0.0.1', headers: {}, body: { client_id: 'a\uD800b' } })).toBe(
      'a%EF%BF%BDb:10.0.0.1',
    );
  });
});
