import {
  createClient,
  createJwtClient,
  type TestClient,
} from '../../support/factories/client.factory';
import {
  basicAuth,
  form,
  startHttpTestApp,
  useRecordedEvents,
  type HttpTestApp,
} from '../../support/http-app';

/** RFC 6749 §5.2 error responses, byte for byte, over real HTTP. */
describe('conformance: token endpoint errors', () => {
  let t: HttpTestApp;
  let c: TestClient;
  const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    t = await startHttpTestApp({ listen: true });
    c = await createClient(t.app, {
      scopes: ['read', 'write'],
      audiences: ['https://api.example.com'],
    });
  });
  const events = useRecordedEvents(() => t);
  afterAll(() => t?.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body });
  const token = (
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = { Authorization: basicAuth(c.clientId, c.secret) },
  ) => post('/oauth/token', form(fields), headers);

  // fetch types a JSON body as unknown; these tests inspect it freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const readJson = (res: Response): Promise<any> => res.json() as Promise<any>;

  async function expectError(
    res: Response,
    status: number,
    error: string,
    description: string,
  ): Promise<void> {
    expect({ status: res.status, body: await readJson(res) }).toEqual({
      status,
      body: { error, error_description: description },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(events.named('token.denied')).toEqual([expect.objectContaining({ code: error })]);
  }

  describe('invalid_request', () => {
    it('missing grant_type', async () => {
      await expectError(await token({}), 400, 'invalid_request', 'grant_type is required');
    });
    it('a parameter sent twice', async () => {
      await expectError(
        await token({ grant_type: 'client_credentials', scope: ['read', 'write'] }),
        400,
        'invalid_request',
        'parameter scope was sent more than once',
      );
    });
    it('a JSON body', async () => {
      const res = await post('/oauth/token', JSON.stringify({ grant_type: 'client_credentials' }), {
        'Content-Type': 'application/json',
        Authorization: basicAuth(c.clientId, c.secret),
      });
      await expectError(
        res,
        400,
        'invalid_request',
        'the request body must be application/x-www-form-urlencoded',
      );
    });
    it('two client authentication methods in one request', async () => {
      await expectError(
        await token({
          grant_type: 'client_credentials',
          client_id: c.clientId,
          client_secret: c.secret,
        }),
        400,
        'invalid_request',
        'more than one client authentication method was used',
      );
    });
    it('an unknown client_assertion_type', async () => {
      await expectError(
        await token(
          {
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:x',
            client_assertion: 'a.b.c',
          },
          {},
        ),
        400,
        'invalid_request',
        'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
    });
  });

  describe('invalid_client', () => {
    it('a wrong secret over HTTP Basic: 401 with a Basic challenge', async () => {
      const res = await token(
        { grant_type: 'client_credentials' },
        { Authorization: basicAuth(c.clientId, 'wrong') },
      );
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="oauth2-m2m"');
      await expectError(res, 401, 'invalid_client', 'client authentication failed');
    });
    it('a malformed Basic header', async () => {
      const res = await token({ grant_type: 'client_credentials' }, { Authorization: 'Basic ***' });
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="oauth2-m2m"');
      await expectError(res, 401, 'invalid_client', 'malformed HTTP Basic authorization header');
    });
    it('a wrong secret in the form: 401 without a challenge', async () => {
      const res = await token(
        { grant_type: 'client_credentials', client_id: c.clientId, client_secret: 'wrong' },
        {},
      );
      expect(res.headers.get('www-authenticate')).toBeNull();
      await expectError(res, 401, 'invalid_client', 'client authentication failed');
    });
    it('no client authentication at all', async () => {
      await expectError(
        await token({ grant_type: 'client_credentials' }, {}),
        401,
        'invalid_client',
        'client authentication is required',
      );
    });
    it('a replayed private_key_jwt assertion, and one for another audience', async () => {
      const jwtClient = await createJwtClient(t.app);
      const assertion = await jwtClient.assertion(`${t.issuer}/oauth/token`);
      const fields = {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      };
      expect((await token(fields, {})).status).toBe(200);
      events.all.length = 0;
      await expectError(
        await token(fields, {}),
        401,
        'invalid_client',
        'client authentication failed',
      );
      events.all.length = 0;
      const foreign = await jwtClient.assertion('https://elsewhere.example/token');
      await expectError(
        await token({ ...fields, client_assertion: foreign }, {}),
        401,
        'invalid_client',
        'client authentication failed',
      );
    });
  });

  it('invalid_grant: an unknown refresh token', async () => {
    const res = await token({ grant_type: 'refresh_token', refresh_token: 'never-issued' });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(events.named('refresh_token.invalid')).toHaveLength(1);
  });

  it('invalid_request: grant_type=refresh_token without refresh_token', async () => {
    await expectError(
      await token({ grant_type: 'refresh_token' }),
      400,
      'invalid_request',
      'refresh_token is required',
    );
  });

  it('unauthorized_client: a grant the client is not registered for', async () => {
    const limited = await createClient(t.app, { grantTypes: ['refresh_token'] });
    await expectError(
      await token(
        { grant_type: 'client_credentials' },
        { Authorization: basicAuth(limited.clientId, limited.secret) },
      ),
      400,
      'unauthorized_client',
      'this client may not use the client_credentials grant',
    );
  });

  it("unauthorized_client on the FastAPI service's /refresh, and the refresh token is not burnt", async () => {
    const noRefresh = await createClient(t.app, { grantTypes: ['password'] });
    const pair = await post(
      '/token',
      form({ username: noRefresh.clientId, password: noRefresh.secret }),
    ).then(readJson);
    const refresh = () =>
      fetch(`${t.url}/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: pair.refresh_token }),
      });
    await expectError(
      await refresh(),
      400,
      'unauthorized_client',
      'this client may not use the refresh_token grant',
    );
    const stored = await t.db
      .collection('tokens')
      .findOne({ client_id: noRefresh.clientId }, { projection: { used_at: 1, revoked_at: 1 } });
    expect(stored).toMatchObject({ used_at: null, revoked_at: null });
    // Refused again the same way, not as a reuse: nothing was consumed.
    events.all.length = 0;
    await expectError(
      await refresh(),
      400,
      'unauthorized_client',
      'this client may not use the refresh_token grant',
    );
  });

  it.each(['authorization_code', 'password', 'urn:ietf:params:oauth:grant-type:device_code'])(
    'unsupported_grant_type: %s',
    async (grantType) => {
      await expectError(
        await token({ grant_type: grantType }),
        400,
        'unsupported_grant_type',
        `grant_type ${grantType} is not supported`,
      );
    },
  );

  it("invalid_scope: beyond the client's scopes", async () => {
    await expectError(
      await token({ grant_type: 'client_credentials', scope: 'read admin' }),
      400,
      'invalid_scope',
      'scope not allowed for this client: admin',
    );
  });

  it("invalid_target (RFC 8707): a resource outside the client's audiences; an allowed one becomes aud", async () => {
    await expectError(
      await token({ grant_type: 'client_credentials', resource: 'https://other.example.com' }),
      400,
      'invalid_target',
      'resource not allowed for this client: https://other.example.com',
    );
    const ok = await token({
      grant_type: 'client_credentials',
      resource: 'https://api.example.com',
    });
    expect(ok.status).toBe(200);
    const { access_token } = await readJson(ok);
    const payload = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
    expect(payload.aud).toEqual(['https://api.example.com']);
  });

  describe('revocation and introspection endpoints', () => {
    it('revoking an unknown token: 200 with an empty body', async () => {
      const res = await post('/oauth/revoke', form({ token: 'unknown' }), {
        Authorization: basicAuth(c.clientId, c.secret),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    });
    it('revocation requires client authentication', async () => {
      await expectError(
        await post('/oauth/revoke', form({ token: 'x' })),
        401,
        'invalid_client',
        'client authentication is required',
      );
    });
    it('revocation without a token', async () => {
      const res = await post('/oauth/revoke', form({}), {
        Authorization: basicAuth(c.clientId, c.secret),
      });
      expect(res.status).toBe(400);
      expect((await readJson(res)).error).toBe('invalid_request');
    });
    it('introspecting garbage: {active:false}', async () => {
      const res = await post('/oauth/introspect', form({ token: 'a.b.c' }), {
        Authorization: basicAuth(c.clientId, c.secret),
      });
      expect(res.status).toBe(200);
      expect(await readJson(res)).toEqual({ active: false });
    });
    it('a revoked refresh token introspects inactive and no longer refreshes', async () => {
      const rt = await createClient(t.app, { refreshTokens: true });
      const auth = { Authorization: basicAuth(rt.clientId, rt.secret) };
      const issued = await readJson(await token({ grant_type: 'client_credentials' }, auth));
      const before = await (
        await post(
          '/oauth/introspect',
          form({ token: issued.refresh_token, token_type_hint: 'refresh_token' }),
          auth,
        )
      ).json();
      expect(before).toMatchObject({
        active: true,
        client_id: rt.clientId,
        token_type: 'refresh_token',
      });
      expect(
        (
          await post(
            '/oauth/revoke',
            form({ token: issued.refresh_token, token_type_hint: 'refresh_token' }),
            auth,
          )
        ).status,
      ).toBe(200);
      expect(
        await readJson(
          await post('/oauth/introspect', form({ token: issued.refresh_token }), auth),
        ),
      ).toEqual({ active: false });
      expect(
        (await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }, auth))
          .status,
      ).toBe(400);
    });
  });
});
