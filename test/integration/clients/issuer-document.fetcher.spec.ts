import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  fetchIssuerDocument,
  IssuerFetchError,
} from '../../../src/clients/issuer-document.fetcher';
import {
  assertFederatedCredentials,
  isFetchableUrl,
  subjectMatches,
} from '../../../src/clients/federated-credentials.validator';

/** The fetcher against a real local HTTP server: every limit that protects the token endpoint. */
describe('fetchIssuerDocument', () => {
  let server: Server;
  let base: string;
  let handler: (res: ServerResponse) => void;
  const limits = { timeoutMs: 300, maxBytes: 1_024, production: false };

  beforeAll(async () => {
    server = createServer((_req, res) => handler(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failure = (url = `${base}/doc`, l = limits) =>
    fetchIssuerDocument(url, l).then(
      () => 'resolved',
      (err: unknown) => (err instanceof IssuerFetchError ? err.message : `other: ${String(err)}`),
    );

  it('reads a JSON object and its Cache-Control max-age', async () => {
    handler = (res) =>
      res
        .writeHead(200, { 'cache-control': 'public, max-age=120' })
        .end(JSON.stringify({ keys: [] }));
    await expect(fetchIssuerDocument(`${base}/doc`, limits)).resolves.toEqual({
      body: { keys: [] },
      maxAgeSeconds: 120,
    });
  });

  it('no-store counts as max-age 0', async () => {
    handler = (res) => res.writeHead(200, { 'cache-control': 'no-store' }).end('{}');
    await expect(fetchIssuerDocument(`${base}/doc`, limits)).resolves.toEqual({
      body: {},
      maxAgeSeconds: 0,
    });
  });

  it('refuses a body over the size limit, declared or streamed', async () => {
    handler = (res) => res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(2_000) }));
    expect(await failure()).toBe(`${base}/doc answered more than 1024 bytes`);
    handler = (res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write(`{"pad":"${'x'.repeat(800)}`);
      res.end(`${'x'.repeat(800)}"}`);
    };
    expect(await failure()).toBe(`${base}/doc answered more than 1024 bytes`);
  });

  it('times out a server that does not answer', async () => {
    handler = () => undefined;
    expect(await failure()).toBe(`fetching ${base}/doc failed: timed out`);
  });

  it('never follows a redirect', async () => {
    handler = (res) => res.writeHead(301, { location: 'http://169.254.169.254/' }).end();
    expect(await failure()).toBe(`${base}/doc answered a redirect (301); redirects are refused`);
  });

  it('refuses non-200 answers and non-objects', async () => {
    handler = (res) => res.writeHead(500).end();
    expect(await failure()).toBe(`${base}/doc answered HTTP 500`);
    handler = (res) => res.writeHead(200).end('[1]');
    expect(await failure()).toBe(`${base}/doc did not return a JSON object`);
    handler = (res) => res.writeHead(200).end('<html>');
    expect(await failure()).toBe(`${base}/doc did not return JSON`);
  });

  it('plain HTTP is refused in production, even on loopback', async () => {
    expect(await failure(`${base}/doc`, { ...limits, production: true })).toBe(
      `${base}/doc is not an allowed issuer URL`,
    );
  });
});

describe('federated credential rules', () => {
  it('allows https anywhere, http only on loopback outside production', () => {
    expect(isFetchableUrl('https://token.actions.githubusercontent.com', true)).toBe(true);
    expect(isFetchableUrl('http://127.0.0.1:8080/x', false)).toBe(true);
    expect(isFetchableUrl('http://[::1]:8080/x', false)).toBe(true);
    expect(isFetchableUrl('http://10.0.0.1/x', false)).toBe(false);
    expect(isFetchableUrl('http://127.0.0.1/x', true)).toBe(false);
    expect(isFetchableUrl('https://user:pw@example.com', false)).toBe(false);
  });

  it('matches exact subjects and prefix patterns', () => {
    expect(
      subjectMatches('system:serviceaccount:payments:*', 'system:serviceaccount:payments:api'),
    ).toBe(true);
    expect(
      subjectMatches('system:serviceaccount:payments:*', 'system:serviceaccount:paymentsx'),
    ).toBe(false);
    expect(
      subjectMatches(
        'spiffe://example.org/ns/payments/*',
        'spiffe://example.org/ns/payments/sa/api',
      ),
    ).toBe(true);
    expect(
      subjectMatches('repo:acme/app:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/main2'),
    ).toBe(false);
  });

  it('bounds the list', () => {
    const many = Array.from({ length: 21 }, () => ({ issuer: 'https://i.example', subject: 's' }));
    expect(() => assertFederatedCredentials(many, false)).toThrow(
      'federated_credentials must be a list of at most 20 entries',
    );
  });
});
