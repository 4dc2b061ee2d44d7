import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pinoHttp, { type Options } from 'pino-http';
import { CENSOR, loggerParams, scrubSecrets, scrubUrl } from './logger-params';

class Capture extends Writable {
  readonly lines: string[] = [];
  _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

const SECRET = 'sEcReT-value-123';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('loggerParams', () => {
  let server: Server;
  let capture: Capture;

  beforeAll(async () => {
    capture = new Capture();
    const [options, stream] = loggerParams('info', capture).pinoHttp as [Options, Capture];
    const middleware = pinoHttp(options, stream);
    server = createServer((req, res) => {
      (req as typeof req & { id: string }).id = 'req-42';
      middleware(req, res);
      req.log.info(
        { body: { client_secret: SECRET, nested: { password: SECRET } }, refresh_token: SECRET },
        'handled',
      );
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes JSON lines with the request id and no credential anywhere', async () => {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          method: 'POST',
          path: `/token?access_token=${JWT}&x=1`,
          headers: {
            authorization: `Basic ${Buffer.from(`c:${SECRET}`).toString('base64')}`,
            cookie: `s=${SECRET}`,
          },
        },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(`client_secret=${SECRET}`);
    });
    const lines = capture.lines.map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.req.id).toBe('req-42');
    const all = capture.lines.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(JWT);
    expect(all).not.toContain(Buffer.from(`c:${SECRET}`).toString('base64'));
    const access = lines.find((l) => l.req);
    expect(access.req).toEqual({
      id: 'req-42',
      method: 'POST',
      url: `/token?access_token=${CENSOR}&x=1`,
      remoteAddress: '127.0.0.1',
    });
    expect(lines.find((l) => l.msg === 'handled')).toMatchObject({
      body: { client_secret: CENSOR, nested: { password: CENSOR } },
      refresh_token: CENSOR,
    });
  });

  it('scrubs credential-looking query parameters', () => {
    expect(scrubUrl('/a?client_secret=x&code=y&ok=1')).toBe(
      `/a?client_secret=${CENSOR}&code=${CENSOR}&ok=1`,
    );
  });
});

describe('scrubSecrets', () => {
  it('censors credential fields at any depth of plain data and leaves class instances alone', () => {
    const err = new Error('boom');
    expect(
      scrubSecrets({
        msg: 'x',
        body: { Client_Secret: 's', list: [{ refresh_token: 'r', ok: 1 }] },
        err,
      }),
    ).toEqual({
      msg: 'x',
      body: { Client_Secret: CENSOR, list: [{ refresh_token: CENSOR, ok: 1 }] },
      err,
    });
  });
});
