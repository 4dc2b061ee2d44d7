import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { SigningKeyService } from '../../../src/tokens/signing-key.service';
import { TokensClock } from '../../../src/tokens/tokens.clock';
import { createClient } from '../../support/factories/client.factory';
import { startHttpTestApp, type HttpTestApp } from '../../support/http-app';

/** A resource server that knows only the JWKS URL, across a key rotation and a key's retirement. */
describe('conformance: key rotation seen through the published JWKS', () => {
  let t: HttpTestApp;
  let config: client.Configuration;

  beforeAll(async () => {
    t = await startHttpTestApp({ listen: true });
    const c = await createClient(t.app, { scopes: ['read'] });
    config = await client.discovery(
      new URL(t.issuer),
      c.clientId,
      undefined,
      client.ClientSecretBasic(c.secret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
  });
  afterAll(() => t?.close());

  // A fresh key set per check, as a new resource-server process would have.
  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${t.issuer}/.well-known/jwks.json`)), {
      issuer: t.issuer,
      audience: t.issuer,
      typ: 'at+jwt',
    });
  const publishedKids = async (): Promise<string[]> => {
    const res = await fetch(`${t.issuer}/.well-known/jwks.json`);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys } = (await res.json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(keys.every((k) => k.d === undefined)).toBe(true);
    return keys.map((k) => k.kid);
  };

  it('tokens signed before and after a rotation both verify; a retired key stops verifying once unpublished', async () => {
    const before = (await client.clientCredentialsGrant(config)).access_token;
    const kidBefore = decodeProtectedHeader(before).kid!;
    const published = await publishedKids();
    // Publish-then-activate: besides the signing key, the next one is already published.
    expect(published.length).toBeGreaterThanOrEqual(2);

    const keys = t.app.get(SigningKeyService);
    await keys.rotate();
    const after = (await client.clientCredentialsGrant(config)).access_token;
    const kidAfter = decodeProtectedHeader(after).kid!;
    expect(kidAfter).not.toBe(kidBefore);
    expect(published).toContain(kidAfter);
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();

    // Far enough ahead that every token of the retired key has expired: it is unpublished.
    const clock = t.app.get(TokensClock);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(Date.now() + 7 * 24 * 3600 * 1000);
    try {
      await keys.refresh();
      expect(await publishedKids()).not.toContain(kidBefore);
    } finally {
      spy.mockRestore();
    }
    await expect(verify(before)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(verify(after)).resolves.toBeDefined();
  });
});
