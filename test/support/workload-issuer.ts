import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** What a test workload issuer looks like: a Kubernetes cluster or GitHub Actions' OIDC issuer. */
export type IssuerShape = 'kubernetes' | 'github';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * A real OIDC-style issuer on 127.0.0.1 (port 0): discovery at
 * `/.well-known/openid-configuration` and a JWKS, the way a cluster's service-account issuer or
 * token.actions.githubusercontent.com publishes them. Keys can be rotated, the server taken
 * down, and fetches counted, so a test can watch the authorization server's key cache.
 */
export class WorkloadIssuer {
  readonly fetches = { discovery: 0, jwks: 0 };
  /** Cache-Control max-age of the JWKS response. */
  maxAgeSeconds = 1;
  /** When true, every request answers 503 (the issuer is down). */
  down = false;
  /** When set, the JWKS URL answers this redirect instead. */
  redirectTo: string | undefined;
  private keys: SigningKey[] = [];
  private server!: Server;
  issuer = '';

  private constructor(readonly shape: IssuerShape) {}

  static async start(shape: IssuerShape): Promise<WorkloadIssuer> {
    const issuer = new WorkloadIssuer(shape);
    await issuer.rotate();
    issuer.server = createServer((req, res) => {
      if (issuer.down) {
        res.writeHead(503).end();
        return;
      }
      const path = req.url ?? '';
      if (path === issuer.path('/.well-known/openid-configuration')) {
        issuer.fetches.discovery += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri }));
      } else if (
        path === issuer.path(issuer.shape === 'github' ? '/.well-known/jwks' : '/openid/v1/jwks')
      ) {
        issuer.fetches.jwks += 1;
        if (issuer.redirectTo) {
          res.writeHead(302, { location: issuer.redirectTo }).end();
          return;
        }
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': `max-age=${issuer.maxAgeSeconds}`,
        });
        res.end(JSON.stringify({ keys: issuer.keys.map((k) => k.jwk) }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => issuer.server.listen(0, '127.0.0.1', resolve));
    const { port } = issuer.server.address() as AddressInfo;
    // GitHub's issuer has no path; a cluster's often has one (EKS: /id/<cluster>).
    issuer.issuer =
      shape === 'github' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/id/cluster-a`;
    return issuer;
  }

  get jwksUri(): string {
    return `${this.issuer}${this.shape === 'github' ? '/.well-known/jwks' : '/openid/v1/jwks'}`;
  }

  /** Replaces the published keys by one new key (the old kid disappears from the JWKS). */
  async rotate(): Promise<{ oldKey?: SigningKey }> {
    const alg = this.shape === 'github' ? 'RS256' : 'ES256';
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const oldKey = this.keys.at(-1);
    this.keys = [
      { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } },
    ];
    return { oldKey };
  }

  get currentKey(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  /**
   * A token as the issuer would mint it: Kubernetes-shaped (kubernetes.io claims, no jti by
   * default) or GitHub-shaped (repository claims, a jti). Claims override; `key` signs with
   * another (e.g. a rotated-out) key.
   */
  mint(
    claims: Record<string, unknown> & { sub: string; aud: string | string[] },
    key: SigningKey = this.currentKey,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const shaped =
      this.shape === 'github'
        ? {
            jti: randomUUID(),
            repository: 'acme/payments',
            ref: 'refs/heads/main',
            workflow: 'deploy',
            nbf: now - 5,
          }
        : { 'kubernetes.io': { namespace: 'payments', serviceaccount: { name: 'api' } } };
    return new SignJWT({ iss: this.issuer, iat: now, exp: now + 600, ...shaped, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private path(suffix: string): string {
    return `${new URL(this.issuer || 'http://x').pathname.replace(/\/$/, '')}${suffix}`;
  }
}
