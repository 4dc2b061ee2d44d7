import type { ClientAuthService } from '../clients/client-auth.service';
import type { OAuthClient } from '../clients/clients.types';
import type { AppConfig } from '../config/app-config.service';
import { InvalidClientError, InvalidRequestError } from '../common/errors/oauth-errors';
import {
  BASIC_CHALLENGE,
  ClientAuthenticator,
  JWT_BEARER_ASSERTION,
  parseBasicAuthorization,
} from './client-authenticator.service';

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('ClientAuthenticator', () => {
  const client = { clientId: 'c1' } as OAuthClient;
  const authenticate = jest.fn();
  const authenticator = new ClientAuthenticator(
    { authenticate } as unknown as ClientAuthService,
    { issuer: 'https://as.example' } as AppConfig,
  );
  const meta = { ip: '127.0.0.1' };

  beforeEach(() => authenticate.mockReset().mockResolvedValue(client));

  it('form-urldecodes the Basic credentials (RFC 6749 §2.3.1)', () => {
    expect(parseBasicAuthorization(basic('my client', 'p@ss:w+rd%'))).toEqual({
      clientId: 'my client',
      clientSecret: 'p@ss:w+rd%',
    });
    // A literal "+" in the encoded form is a space.
    const plus = `Basic ${Buffer.from('a+b:c+d').toString('base64')}`;
    expect(parseBasicAuthorization(plus)).toEqual({ clientId: 'a b', clientSecret: 'c d' });
    expect(parseBasicAuthorization('Bearer x')).toBeUndefined();
  });

  it.each([
    'Basic',
    'Basic !!!',
    `Basic ${Buffer.from('nocolon').toString('base64')}`,
    `Basic ${Buffer.from('%zz:x').toString('base64')}`,
  ])('answers a malformed Basic header %p with invalid_client and a challenge', (header) => {
    let caught: unknown;
    try {
      parseBasicAuthorization(header);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidClientError);
    expect((caught as InvalidClientError).headers).toEqual({ 'WWW-Authenticate': BASIC_CHALLENGE });
  });

  it('recognises each method', () => {
    expect(authenticator.extract(basic('a', 'b'), {})).toEqual({
      method: 'client_secret_basic',
      clientId: 'a',
      clientSecret: 'b',
    });
    expect(authenticator.extract(undefined, { client_id: 'a', client_secret: 'b' })).toEqual({
      method: 'client_secret_post',
      clientId: 'a',
      clientSecret: 'b',
    });
    expect(
      authenticator.extract(undefined, {
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: 'x.y.z',
      }),
    ).toEqual({
      method: 'private_key_jwt',
      clientId: undefined,
      assertion: 'x.y.z',
      expectedAudiences: ['https://as.example/oauth/token', 'https://as.example'],
    });
  });

  it('refuses more than one method, and mismatched or incomplete parameters, as invalid_request', () => {
    expect(() =>
      authenticator.extract(basic('a', 'b'), { client_id: 'a', client_secret: 'b' }),
    ).toThrow(new InvalidRequestError('more than one client authentication method was used'));
    expect(() => authenticator.extract(basic('a', 'b'), { client_id: 'other' })).toThrow(
      InvalidRequestError,
    );
    expect(() => authenticator.extract(undefined, { client_secret: 'b' })).toThrow(
      InvalidRequestError,
    );
    expect(() =>
      authenticator.extract(undefined, {
        client_assertion: 'x.y.z',
        client_assertion_type: 'other',
      }),
    ).toThrow(InvalidRequestError);
  });

  it('requires some client authentication', () => {
    expect(() => authenticator.extract(undefined, { client_id: 'a' })).toThrow(
      new InvalidClientError('client authentication is required'),
    );
  });

  it('adds the Basic challenge to a refusal when the Authorization header was used', async () => {
    authenticate.mockImplementation(() =>
      Promise.reject(new InvalidClientError('client authentication failed')),
    );
    const err = (await authenticator
      .authenticate(basic('a', 'wrong'), {}, meta)
      .catch((e: unknown) => e)) as InvalidClientError;
    expect(err).toBeInstanceOf(InvalidClientError);
    expect(err.headers['WWW-Authenticate']).toBe(BASIC_CHALLENGE);
    const post = (await authenticator
      .authenticate(undefined, { client_id: 'a', client_secret: 'x' }, meta)
      .catch((e: unknown) => e)) as InvalidClientError;
    expect(post.headers['WWW-Authenticate']).toBeUndefined();
  });
});
