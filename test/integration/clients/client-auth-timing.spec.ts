import { InvalidClientError } from '../../../src/common/errors/oauth-errors';
import { createClientsHarness } from '../../support/clients-harness';
import type { RequestMeta } from '../../../src/clients/clients.types';

const meta: RequestMeta = { ip: '203.0.113.7', requestId: 'req-1', endpoint: '/oauth/token' };

/**
 * An unknown client id and a wrong secret take the same path: one digest of the presented
 * secret and one constant-time comparison with a stored-form hash (a dummy one when there is no
 * client), so the response time does not reveal which client ids exist.
 */
describe('ClientAuthService: same work for an unknown client as for a wrong secret', () => {
  let h: ReturnType<typeof createClientsHarness>;

  beforeEach(() => {
    h = createClientsHarness();
  });
  afterEach(() => jest.restoreAllMocks());

  const attempt = (clientId: string, clientSecret: string) =>
    h.auth.authenticate({ method: 'client_secret_basic', clientId, clientSecret }, meta).then(
      () => 'authenticated',
      (e: unknown) => e,
    );

  function spies() {
    return {
      digest: jest.spyOn(h.hasher, 'digest'),
      matches: jest.spyOn(h.hasher, 'matches'),
      dummy: jest.spyOn(h.hasher, 'matchesDummy'),
    };
  }

  it('an unknown client: the presented secret is digested and compared with the dummy hash', async () => {
    const s = spies();
    expect(await attempt('ghost', 'guess-1')).toBeInstanceOf(InvalidClientError);
    expect(s.digest).toHaveBeenCalledTimes(1);
    expect(s.digest).toHaveBeenCalledWith('guess-1');
    expect(s.dummy).toHaveBeenCalledTimes(1);
    expect(s.dummy).toHaveBeenCalledWith(s.digest.mock.results[0].value);
    // The dummy comparison is the real comparison, against a hash in the stored form.
    expect(s.matches).toHaveBeenCalledTimes(1);
    expect(s.matches.mock.calls[0][1]).toMatch(/^hmac-sha256\$[0-9a-f]{64}$/);
    expect(s.matches.mock.results[0].value).toBe(false);
  });

  it('a wrong secret for a known client: the same digest and one comparison, no dummy', async () => {
    await h.clients.create({ clientId: 'svc', scopes: ['read'], role: 'user' });
    const s = spies();
    expect(await attempt('svc', 'guess-1')).toBeInstanceOf(InvalidClientError);
    expect(s.digest).toHaveBeenCalledTimes(1);
    expect(s.matches).toHaveBeenCalledTimes(1);
    expect(s.dummy).not.toHaveBeenCalled();
  });

  it('a disabled client also gets the dummy comparison', async () => {
    await h.clients.create({ clientId: 'off', scopes: ['read'], role: 'user' });
    await h.clients.disable('off');
    const s = spies();
    expect(await attempt('off', 'guess-1')).toBeInstanceOf(InvalidClientError);
    expect(s.dummy).toHaveBeenCalledTimes(1);
    expect(h.events.named('client.authentication_failed').at(-1)).toMatchObject({
      clientId: 'off',
      reason: 'client is disabled',
    });
  });
});
