import type { ClientAuthService } from '../clients/client-auth.service';
import type { OAuthClient } from '../clients/clients.types';
import type { AppConfig } from '../config/app-config.service';
import { InvalidClientError, InvalidRequestError } from '../common/errors/oauth-errors';
import type { FailedAuthLimiter } from '../rate-limiting/failed-auth.limiter';
import { ClientAuthenticator, JWT_BEARER_ASSERTION } from './client-authenticator.service';

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('ClientAuthenticator', () => {
  const client = { clientId: 'c1' } as OAuthClient;
  const authenticate = jest.fn();
  // The limiter's own behaviour has its spec; here it only runs the verification.
  const attempt = jest.fn((_meta: unknown, _id: unknown, verify: () => Promise<unknown>) =>
    verify(),
  );
  const authenticator = new ClientAuthenticator(
    { authenticate } as unknown as ClientAuthService,
    { issuer: 'https://as.example' } as AppConfig,
    { attempt } as unknown as FailedAuthLimiter,
  );
  const meta = { ip: '127.0.0.1' };

  beforeEach(() => {
    authenticate.mockReset().mockResolvedValue(client);
    attempt.mockClear();
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

  it('counts a refused verification against the source address, never a malformed request', async () => {
    authenticate.mockImplementation(() =>
      Promise.reject(new InvalidClientError('client authentication failed')),
    );
    await expect(
      authenticator.authenticate(basic('a', 'wrong'), { client_id: 'a' }, meta),
    ).rejects.toThrow(InvalidClientError);
    expect(attempt).toHaveBeenCalledWith(meta, 'a', expect.any(Function));
    attempt.mockClear();
    expect(() => authenticator.extract('Basic !!!', {})).toThrow(InvalidClientError);
    expect(attempt).not.toHaveBeenCalled();
  });

  it('names an assertion by its issuer for the allowance', async () => {
    const assertion = `h.${Buffer.from(JSON.stringify({ iss: 'svc-j' })).toString('base64url')}.s`;
    await authenticator.authenticate(
      undefined,
      { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion },
      meta,
    );
    expect(attempt).toHaveBeenCalledWith(meta, 'svc-j', expect.any(Function));
  });
});
