import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { LogCapture, startLoggedApp } from '../support/logged-app';

/** The query-string names the review found in the access log, sent for real and read back. */
const CASES = [
  'pass%77ord',
  'passwd',
  'pwd',
  'api_key',
  'apikey',
  'key',
  'authorization',
  'client_secret',
  'access_token',
  'client_assertion',
  'code',
];

describe('access log: credential query parameters are redacted after decoding', () => {
  const capture = new LogCapture();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startLoggedApp(capture);
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(CASES)('%s=… reaches the access log as [redacted]', async (name) => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const res = await app.inject({ method: 'GET', url: `/protected?page=2&${name}=${secret}` });
    expect(res.statusCode).toBe(401);
    const lines = capture.lines.filter((l) => l.includes('request completed'));
    const line = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).at(-1);
    expect(line?.req?.url).toBe(`/protected?page=2&${name}=[redacted]`);
    expect(capture.lines.join('\n')).not.toContain(secret);
  });

  it('the access line has exactly its fields, and no header but the user agent', async () => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const res = await app.inject({
      method: 'GET',
      url: `/protected?client_secret=${secret}`,
      headers: { authorization: `Bearer ${secret}`, 'user-agent': 'probe/1.0', cookie: secret },
    });
    expect(res.statusCode).toBe(401);
    const line = capture.lines
      .filter((l) => l.includes('request completed'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .at(-1);
    expect(line).toEqual({
      level: 40,
      time: expect.any(String) as unknown,
      pid: process.pid,
      hostname: expect.any(String) as unknown,
      req: {
        id: res.headers['x-request-id'],
        method: 'GET',
        url: '/protected?client_secret=[redacted]',
        remoteAddress: '127.0.0.1',
        userAgent: 'probe/1.0',
      },
      res: { statusCode: 401 },
      responseTime: expect.any(Number) as unknown,
      msg: 'request completed',
    });
    expect(capture.lines.join('\n')).not.toContain(secret);
  });
});
