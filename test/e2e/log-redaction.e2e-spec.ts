import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createAdminClient,
  createClient,
  type TestClient,
} from '../support/factories/client.factory';
import { basicAuth, form } from '../support/http-app';
import { LogCapture, startLoggedApp } from '../support/logged-app';

/**
 * Boots AppModule as main.ts does (nestjs-pino as Nest's logger), at the most verbose level,
 * with the log stream captured; sends requests full of secrets and tokens; then reads every line.
 */
describe('logs: request ids on every line, no secret or token anywhere', () => {
  const capture = new LogCapture();
  let app: NestFastifyApplication;
  const secrets: string[] = [];
  const requestIds: string[] = [];

  beforeAll(async () => {
    app = await startLoggedApp(capture);
  });

  afterAll(async () => {
    await app?.close();
  });

  const send = async (options: Parameters<NestFastifyApplication['inject']>[0]) => {
    const res = await app.inject(options as never);
    requestIds.push(String(res.headers['x-request-id']));
    return res;
  };

  it('writes JSON lines with the request id and never a credential', async () => {
    const client: TestClient = await createClient(app);
    const admin: TestClient = await createAdminClient(app);
    secrets.push(
      client.secret,
      admin.secret,
      basicAuth(client.clientId, client.secret).slice('Basic '.length),
    );

    const issued = await send({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(client.clientId, client.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form({ grant_type: 'client_credentials' }),
    });
    expect(issued.statusCode).toBe(200);
    const accessToken: string = issued.json().access_token;
    secrets.push(accessToken);

    const legacy = await send({
      method: 'POST',
      url: '/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `session=${client.secret}`,
      },
      payload: form({ username: client.clientId, password: client.secret }),
    });
    expect(legacy.statusCode).toBe(200);
    const { refresh_token: refreshToken, access_token: legacyAccess } = legacy.json();
    secrets.push(refreshToken, legacyAccess);

    await send({ method: 'POST', url: '/refresh', payload: { refresh_token: refreshToken } });
    await send({ method: 'POST', url: '/refresh', payload: { refresh_token: refreshToken } });
    await send({
      method: 'POST',
      url: '/token',
      payload: form({ username: client.clientId, password: 'wrong-but-secret-1234' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    secrets.push('wrong-but-secret-1234');
    await send({
      method: 'GET',
      url: '/protected',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await send({ method: 'GET', url: `/protected?access_token=${accessToken}` });
    await send({
      method: 'GET',
      url: '/protected',
      headers: { authorization: `Bearer ${accessToken.slice(0, -3)}xyz` },
    });
    await send({
      method: 'POST',
      url: '/revoke',
      payload: { access_token: legacyAccess },
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await send({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.secret,
      }),
    });
    await send({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"client_secret": "broken json',
    });

    const lines = capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(requestIds.length);
    // One access line per request, carrying the id the client got in X-Request-Id.
    const accessLines = lines.filter((l) => l.req !== undefined && l.res !== undefined);
    expect(accessLines.map((l) => (l.req as { id: string }).id).sort()).toEqual(
      [...requestIds].sort(),
    );

    const everything = capture.lines.join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/"authorization"\s*:\s*"(Basic|Bearer)/i);
  });
});
