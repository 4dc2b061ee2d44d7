import { connect, type Socket } from 'node:net';
import { startHttpTestApp, type HttpTestApp } from '../support/http-app';

const TIMEOUT_MS = 2000;
const MAX_CONNECTIONS = 4;

interface RawExchange {
  answer: string;
  /** From the first byte sent to the server closing the connection. */
  elapsedMs: number;
}

/**
 * Transport limits as a hostile client meets them: bodies and headers trickled one byte a second
 * are cut off at the request timeout with a 408 in the OAuth error format, and connections beyond
 * the cap are refused. The timeout is configured short here; the default is 30 s.
 */
describe('transport limits', () => {
  let t: HttpTestApp;
  let port: number;

  beforeAll(async () => {
    t = await startHttpTestApp({
      listen: true,
      env: {
        HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
        HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        HSTS_MAX_AGE_SECONDS: '600',
      },
    });
    port = Number(new URL(t.url!).port);
  });
  afterAll(() => t?.close());

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });

  /** Sends `head` at once, then `trickle` one byte per second, until the server closes. */
  async function trickle(head: string, slow: string): Promise<RawExchange> {
    const socket = await open();
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.write(head);
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < slow.length && !socket.destroyed) socket.write(slow[sent++]);
    }, 1000);
    return new Promise((resolve) => {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, elapsedMs: Date.now() - started });
      });
    });
  }

  function expectTimeoutAnswer({ answer, elapsedMs }: RawExchange): void {
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(head).toContain('Cache-Control: no-store');
    expect(head).toContain('Connection: close');
    expect(JSON.parse(body)).toEqual({
      error: 'invalid_request',
      error_description: 'request timeout',
    });
    // Cut off at the timeout, give or take Node's expiry check, not held while bytes keep coming.
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 2000);
  }

  it('a body sent one byte a second is answered 408 and closed within the timeout', async () => {
    const body = 'grant_type=client_credentials&client_id=slow&client_secret=slow';
    const exchange = await trickle(
      'POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n' +
        'Content-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
      body,
    );
    expectTimeoutAnswer(exchange);
  }, 15_000);

  it('headers sent one byte a second are answered 408 within the same timeout', async () => {
    const exchange = await trickle(
      'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ',
      'abcdefghij',
    );
    expectTimeoutAnswer(exchange);
  }, 15_000);

  it('a prompt request is unaffected and carries HSTS when it is configured', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=600');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it(`connections beyond ${MAX_CONNECTIONS} are closed as they arrive`, async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    try {
      const extra = await open();
      const closed = await new Promise<{ data: string; ms: number }>((resolve) => {
        const started = Date.now();
        let data = '';
        extra.on('data', (chunk) => (data += chunk.toString()));
        extra.on('error', () => undefined);
        extra.on('close', () => resolve({ data, ms: Date.now() - started }));
        extra.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
      expect(closed.data).toBe('');
      expect(closed.ms).toBeLessThan(1000);
    } finally {
      held.forEach((socket) => socket.destroy());
    }
    // Once they are gone, a new connection is served again.
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
  });
});
