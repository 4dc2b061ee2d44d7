import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  newClientKey,
  signAssertion,
  signJwt,
  type ClientPrivateKey,
} from '../../support/factories/client.factory';
import { createClientsHarness } from '../../support/clients-harness';
import { InvalidClientError } from '../../../src/common/errors/oauth-errors';
import type { RequestMeta } from '../../../src/clients/clients.types';

const inOneMinute = (): number => Math.floor(Date.now() / 1000) + 60;
const AUD = 'http://localhost:8000/oauth/token';
const ISSUER = 'http://localhost:8000';
const meta: RequestMeta = { ip: '198.51.100.1', requestId: 'r', endpoint: '/oauth/token' };

describe('ClientAuthService with private_key_jwt (RFC 7523)', () => {
  let h: ReturnType<typeof createClientsHarness>;
  let privateKey: ClientPrivateKey;
  let publicJwk: Record<string, unknown>;
  const kid = 'k1';

  beforeAll(async () => {
    ({ privateKey, publicJwk } = await newClientKey('ES256'));
  });

  beforeEach(() => {
    h = createClientsHarness();
  });

  async function registerClient(clientId = 'jwt-client'): Promise<void> {
    await h.clients.create({
      clientId,
      scopes: ['read'],
      role: 'user',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...publicJwk, kid, alg: 'ES256' }] },
    });
  }

  const authenticate = (assertion: string, clientId?: string) =>
    h.auth.authenticate(
      {
        method: 'private_key_jwt',
        assertion,
        expectedAudiences: [AUD, ISSUER],
        ...(clientId && { clientId }),
      },
      meta,
    );

  async function expectReason(attempt: Promise<unknown>, reason: RegExp): Promise<void> {
    await expect(attempt).rejects.toBeInstanceOf(InvalidClientError);
    expect(h.events.named('client.authentication_failed').at(-1)?.reason).toMatch(reason);
  }

  it('accepts a valid assertion once and rejects its replay', async () => {
    await registerClient();
    const assertion = await signAssertion(privateKey, kid, 'jwt-client', AUD);
    await expect(authenticate(assertion, 'jwt-client')).resolves.toMatchObject({
      clientId: 'jwt-client',
    });
    expect(h.events.named('client.authenticated').at(-1)?.reason).toBe(
      'authenticated with private_key_jwt',
    );
    await expectReason(authenticate(assertion), /replay/);
  });

  it('accepts the issuer as audience too', async () => {
    await registerClient();
    await expect(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', ISSUER)),
    ).resolves.toMatchObject({
      clientId: 'jwt-client',
    });
  });

  it('rejects a foreign audience', async () => {
    await registerClient();
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', 'https://evil.example')),
      /aud/,
    );
  });

  it('rejects an expired assertion and one whose exp is too far ahead', async () => {
    await registerClient();
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', AUD, {}, -120)),
      /exp/,
    );
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', AUD, {}, 3600)),
      /more than 300s ahead/,
    );
  });

  it('requires exp and jti', async () => {
    await registerClient();
    const noExp = await signJwt(
      privateKey,
      { alg: 'ES256', kid },
      { jti: randomUUID(), iss: 'jwt-client', sub: 'jwt-client', aud: AUD },
    );
    await expectReason(authenticate(noExp), /exp/);
    const noJti = await signJwt(
      privateKey,
      { alg: 'ES256', kid },
      { iss: 'jwt-client', sub: 'jwt-client', aud: AUD, exp: inOneMinute() },
    );
    await expectReason(authenticate(noJti), /jti/);
  });

  it('requires sub = iss and a matching client_id form field', async () => {
    await registerClient();
    await expectReason(
      authenticate(
        await signAssertion(privateKey, kid, 'jwt-client', AUD, { sub: 'someone-else' }),
      ),
      /sub/,
    );
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', AUD), 'other-client'),
      /does not match/,
    );
  });

  it('rejects a signature by a key that is not registered', async () => {
    await registerClient();
    const { privateKey: stranger } = await newClientKey('ES256');
    await expectReason(
      authenticate(await signAssertion(stranger, kid, 'jwt-client', AUD)),
      /signature|ERR_JWS/,
    );
  });

  it('rejects HS256 and alg none', async () => {
    await registerClient();
    const hs = await signJwt(
      new TextEncoder().encode('0123456789abcdef0123456789abcdef'),
      { alg: 'HS256' },
      { jti: 'x', iss: 'jwt-client', sub: 'jwt-client', aud: AUD, exp: inOneMinute() },
    );
    await expectReason(authenticate(hs), /alg HS256 is not allowed/);
    const [, payload] = hs.split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    await expectReason(authenticate(none), /alg none is not allowed/);
  });

  it('rejects garbage, unknown and secret-registered clients', async () => {
    await expectReason(authenticate('not.a.jwt'), /not a JWT/);
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'ghost', AUD)),
      /unknown client/,
    );
    await h.clients.create({ clientId: 'secret-client', scopes: [], role: 'user' });
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'secret-client', AUD)),
      /registered for a client secret/,
    );
  });

  it('verifies RS256 and PS256 with a registered RSA key, each only as its registered alg allows', async () => {
    // A node:crypto key, not a WebCrypto one: the same RSA key signs both algorithms.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKey = rsa.publicKey.export({ format: 'jwk' });
    await h.clients.create({
      clientId: 'rsa-client',
      scopes: ['read'],
      role: 'user',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: {
        keys: [
          { ...publicKey, kid: 'any-rsa' },
          { ...publicKey, kid: 'rs-only', alg: 'RS256' },
        ],
      },
    });
    const assertion = (alg: string, keyId: string) =>
      signJwt(
        rsa.privateKey,
        { alg, kid: keyId },
        { jti: randomUUID(), iss: 'rsa-client', sub: 'rsa-client', aud: AUD, exp: inOneMinute() },
      );
    for (const alg of ['RS256', 'PS256']) {
      await expect(authenticate(await assertion(alg, 'any-rsa'))).resolves.toMatchObject({
        clientId: 'rsa-client',
      });
    }
    await expect(authenticate(await assertion('RS256', 'rs-only'))).resolves.toMatchObject({
      clientId: 'rsa-client',
    });
    await expectReason(
      authenticate(await assertion('PS256', 'rs-only')),
      /no registered key matches its kid and alg/,
    );
  });

  it('rejects an RS256 assertion naming an EC key, and EdDSA (which jsonwebtoken lacks)', async () => {
    await registerClient();
    const rsa = await newClientKey('RS256');
    const confused = await signJwt(
      rsa.privateKey,
      { alg: 'RS256', kid },
      { jti: randomUUID(), iss: 'jwt-client', sub: 'jwt-client', aud: AUD, exp: inOneMinute() },
    );
    await expectReason(authenticate(confused), /no registered key matches its kid and alg/);
    const ed = await newClientKey('EdDSA');
    const eddsa = await signJwt(
      ed.privateKey,
      { alg: 'EdDSA', kid },
      { jti: randomUUID(), iss: 'jwt-client', sub: 'jwt-client', aud: AUD, exp: inOneMinute() },
    );
    await expectReason(authenticate(eddsa), /alg EdDSA is not allowed/);
  });

  it('rejects an assertion of a disabled client', async () => {
    await registerClient();
    await h.clients.disable('jwt-client');
    await expectReason(
      authenticate(await signAssertion(privateKey, kid, 'jwt-client', AUD)),
      /disabled/,
    );
  });
});
