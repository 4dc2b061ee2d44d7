import type { FastifyRequest } from 'fastify';
import { InvalidClientError, InvalidGrantError } from '../errors/oauth-errors';
import {
  BASIC_CHALLENGE,
  challengeHeaders,
  claimedClientId,
  parseBasic,
  requestMetaOf,
  type ClientAuthScheme,
} from './request-context';

const basic = (user: string, pass = 'pw') =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const jwt = (claims: object) =>
  `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

function request(
  scheme: ClientAuthScheme | undefined,
  headers: Record<string, string> = {},
  body?: unknown,
): FastifyRequest {
  return {
    headers,
    body,
    ip: '10.0.0.1',
    id: 'req-1',
    url: '/x',
    routeOptions: { url: '/x', config: scheme ? { clientAuthentication: scheme } : {} },
  } as unknown as FastifyRequest;
}

describe('request context', () => {
  it('form-urldecodes the Basic credentials (RFC 6749 §2.3.1)', () => {
    const encoded = `${encodeURIComponent('my client')}:${encodeURIComponent('p@ss:w+rd%')}`;
    expect(parseBasic(`Basic ${Buffer.from(encoded).toString('base64')}`)).toEqual({
      clientId: 'my client',
      clientSecret: 'p@ss:w+rd%',
    });
    // A literal "+" in the encoded form is a space.
    expect(parseBasic(basic('a+b', 'c+d'))).toEqual({ clientId: 'a b', clientSecret: 'c d' });
    expect(parseBasic('Bearer x')).toBeUndefined();
    expect(parseBasic(undefined)).toBeUndefined();
  });

  it.each([
    'Basic',
    'Basic !!!',
    `Basic ${Buffer.from('nocolon').toString('base64')}`,
    `Basic ${Buffer.from('%zz:x').toString('base64')}`,
  ])('refuses a malformed Basic header %p as invalid_client', (header) => {
    expect(() => parseBasic(header)).toThrow(
      new InvalidClientError('malformed HTTP Basic authorization header'),
    );
  });

  describe('the claimed client id is the credential the route authenticates', () => {
    it.each<
      [string, ClientAuthScheme | undefined, Record<string, string>, unknown, string | undefined]
    >([
      ['Basic on a client route', 'client', { authorization: basic('svc%3Aa') }, {}, 'svc:a'],
      [
        'client_secret_post, whatever bearer header comes along',
        'client',
        { authorization: `Bearer ${jwt({ client_id: 'rnd' })}` },
        { client_id: 'svc-b', client_secret: 'x' },
        'svc-b',
      ],
      [
        'an assertion, by its iss',
        'client',
        {},
        { client_assertion: jwt({ iss: 'svc-j', sub: 'svc-j' }), client_id: 'svc-j' },
        'svc-j',
      ],
      [
        'a lone client_id: nothing is checked, no name',
        'client',
        {},
        { client_id: 'rnd' },
        undefined,
      ],
      [
        "the FastAPI form's username, ignoring Basic and client_id",
        'legacy-form',
        { authorization: basic('rnd', 'x') },
        { username: 'test_client', password: 'x', client_id: 'rnd2' },
        'test_client',
      ],
      [
        'no client authentication at all',
        'none',
        { authorization: basic('rnd') },
        { client_id: 'r' },
        undefined,
      ],
      [
        'a bearer route: the token names the client (unverified)',
        undefined,
        { authorization: `Bearer ${jwt({ client_id: 'svc-c', sub: 'other' })}` },
        undefined,
        'svc-c',
      ],
      [
        'a bearer route: Basic names nobody',
        undefined,
        { authorization: basic('rnd') },
        undefined,
        undefined,
      ],
      [
        'a garbage bearer token',
        undefined,
        { authorization: 'Bearer a.!!!.c' },
        undefined,
        undefined,
      ],
    ])('%s', (_name, scheme, headers, body, expected) => {
      expect(claimedClientId(request(scheme, headers, body), true)).toBe(expected);
    });

    it('names nobody on a public route without client authentication', () => {
      const req = request(undefined, { authorization: `Bearer ${jwt({ sub: 'svc-d' })}` });
      expect(claimedClientId(req, false)).toBeUndefined();
      expect(claimedClientId(req, true)).toBe('svc-d');
    });

    it('accepts any body shape without throwing, and bounds the id', () => {
      expect(claimedClientId(request('legacy-form', {}, { username: { $ne: 1 } }), true)).toBe(
        undefined,
      );
      expect(claimedClientId(request('legacy-form', {}, 'text'), true)).toBeUndefined();
      expect(claimedClientId(request('client', { authorization: 'Basic !!!' }), true)).toBe(
        undefined,
      );
      const long = request('legacy-form', {}, { username: 'y'.repeat(1_000) });
      expect(claimedClientId(long, true)).toHaveLength(128);
    });
  });

  it('adds the Basic challenge once, to invalid_client on a client route that got a header', () => {
    const failed = new InvalidClientError('client authentication failed');
    expect(challengeHeaders(failed, request('client', { authorization: 'Bearer x' }))).toEqual({
      'WWW-Authenticate': BASIC_CHALLENGE,
    });
    expect(challengeHeaders(failed, request('client'))).toEqual({});
    expect(challengeHeaders(failed, request('legacy-form', { authorization: 'x' }))).toEqual({});
    expect(
      challengeHeaders(new InvalidGrantError('x'), request('client', { authorization: 'x' })),
    ).toEqual({});
  });

  it('builds the meta once per request', () => {
    const req = request('client');
    expect(requestMetaOf(req)).toEqual({ ip: '10.0.0.1', requestId: 'req-1', endpoint: '/x' });
    expect(requestMetaOf(req)).toBe(requestMetaOf(req));
  });
});
